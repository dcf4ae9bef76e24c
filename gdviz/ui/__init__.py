"""The Streamlit app. The only package in gdviz that imports streamlit."""
