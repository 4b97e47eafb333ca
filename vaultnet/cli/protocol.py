"""What the `vaultnet` program (launch.py) and a watch answering it (resident.py) agree on."""

SOCKET = "serve.sock"  # in the vault's .vaultnet/
PROTOCOL = 1  # a request or an answer of another version is not understood: the command runs itself
# Commands a watch may answer (it checks again, with the whole command line parsed).
READING = frozenset({"search", "show", "backlinks", "links", "due", "ledger", "orphans", "news",
                     "references", "who", "intro"})
# The environment a command's answer depends on, sent with the request.
ENVIRONMENT = ("VAULTNET_TODAY", "VAULTNET_VAULT")
