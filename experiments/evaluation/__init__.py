"""What trained models are measured and shown by: pose, classification, templates, synthesis."""
