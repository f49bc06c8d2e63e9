"""Demo inputs of the accessibility study (resources/demo/accessibility/)."""
