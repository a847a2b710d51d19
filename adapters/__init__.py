"""The outer ring: chat platforms, the model client, the web server and the CLI."""
