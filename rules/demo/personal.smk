"""Demo inputs of the personal study (resources/demo/personal/)."""
