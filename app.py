"""gdviz — `streamlit run app.py`. A thin router: the app lives in gdviz.ui."""

from gdviz.ui.app import main

main()
