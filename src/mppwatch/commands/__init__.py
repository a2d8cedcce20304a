"""Command modules, one per concern. Each defines `register(app)` that adds its Typer commands."""
