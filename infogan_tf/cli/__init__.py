"""What the command-line tools share: flags generated from the config."""
