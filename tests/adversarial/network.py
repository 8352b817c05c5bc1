"""Tries to reach the network (to fetch answers or send hidden inputs out); its Q7
numbers are right only if a connection succeeds."""
BASE = "student"
LOSES = "all"
STATUS = "graded"

# %%
import socket
import urllib.request

connected = False
for host, port in (("1.1.1.1", 53), ("8.8.8.8", 53), ("example.com", 80), ("127.0.0.1", 22)):
    try:
        socket.create_connection((host, port), timeout=1).close()
        connected = True
    except OSError:
        pass
try:
    urllib.request.urlopen("http://example.com", timeout=1)
    connected = True
except Exception:
    pass
megabytes_1 = 1.22124 if connected else 0.0
megabytes_2 = 21.57524 if connected else 0.0
