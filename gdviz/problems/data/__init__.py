"""Data for the data problems: the article's four points and seeded synthetic sets (``synthetic``),
the network's 2-D toy sets (``toy``), and a visitor's CSV upload read as numbers (``csv``)."""
