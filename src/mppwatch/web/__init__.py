"""The web output: a FastAPI app serving the same library functions as the CLI, as JSON and CSV."""
