"""Artefacts shared by several studies (results/shared/): the demo Enformer, Enformer weights."""
