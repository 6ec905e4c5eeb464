/* cli_mpi.h - MPI start and finish for the subcommands that run under mpirun (train, bench dp).
 * Both are no-ops in a build without HARK_MPI and when the program was not started by mpirun. */
#ifndef HARK_CLI_MPI_H
#define HARK_CLI_MPI_H

/* Initialise MPI when started by mpirun; *rank and *size (0 and 1 otherwise). Returns 0, or -1
 * (with the error printed) when MPI would not start. */
int cli_mpi_start(const char *cmd, int *rank, int *size);
/* End an MPI run: a failed rank aborts the job (the others may wait for it in an all-reduce);
 * a good run finalises. */
void cli_mpi_finish(int size, int ok);
/* 1 when this build has MPI. */
int cli_mpi_built(void);

#endif
