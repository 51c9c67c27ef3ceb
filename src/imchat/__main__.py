"""`python -m imchat` runs the CLI."""

from imchat.cli import main

main()
