"""The conversation core: platform-neutral, no chat SDK or model SDK imports."""
