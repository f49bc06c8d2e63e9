"""Demo inputs of the dream study (resources/demo/dream/)."""
