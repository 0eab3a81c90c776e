"""Records (记录): the typed rows the process forms write and the reports add up."""
