"""What the command-line tools share: flags generated from the config (`config_flags`) and the
prologue around each command's work (`command`)."""
