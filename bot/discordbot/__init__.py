"""The Discord front end: thin adapters from slash commands to the core and the renderer."""
