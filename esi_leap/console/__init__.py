"""The serial console proxy: websocket clients to nodes' consoles."""
