"""gdviz — `streamlit run app.py`. The router: the pages in the navigation's order; each lives in
gdviz/ui/<page>/."""

from gdviz.ui import app
from gdviz.ui.network.page import PAGE as network
from gdviz.ui.race.page import PAGE as race
from gdviz.ui.scale.page import PAGE as scale
from gdviz.ui.sweeps.page import PAGE as sweeps

app.run([race, sweeps, network, scale])
