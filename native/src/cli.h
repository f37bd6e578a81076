/* tcrun's command line, as a function: main's, and the spawner's for tcrun commands it runs itself. */
#ifndef TCRUN_CLI_H
#define TCRUN_CLI_H

/* Parses the command line and runs the command; the process's exit status. */
int tcrun_main(int argc, char **argv);

#endif
