"""After the model answers: ground quotes, normalise fields, assemble and merge records."""
