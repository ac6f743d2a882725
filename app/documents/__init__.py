"""Documents attached to objects: storage, inspection, text extraction."""
