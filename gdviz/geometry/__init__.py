"""Where runs are drawn: loss surfaces on grids (``surfaces``), 2-D views of many-parameter paths
(``projection``) and loss landscapes of networks (``landscape``)."""
