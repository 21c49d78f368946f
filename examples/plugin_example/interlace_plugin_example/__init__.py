"""An example interlace plugin (see docs/plugins.md)."""
