"""The thin layers a person uses: the typer CLI (`selector ...`), its launcher, and the local web
workbench (web/). Each calls library functions a notebook can call too.
"""
