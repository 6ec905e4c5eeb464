/* cli_mpi.c - MPI start and finish for the subcommands that run under mpirun. MPI is initialised
 * only when mpirun started the process (its environment says so), so a plain run never touches
 * MPI and a build without HARK_MPI behaves the same. */
#include <stdlib.h>

#ifdef HARK_MPI
#include <mpi.h>
#endif

#include "cli/cli.h"
#include "cli/cli_mpi.h"

int cli_mpi_built(void)
{
#ifdef HARK_MPI
    return 1;
#else
    return 0;
#endif
}

int cli_mpi_start(const char *cmd, int *rank, int *size)
{
    *rank = 0;
    *size = 1;
#ifdef HARK_MPI
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK"))
        return 0;
    int provided = 0;
    /* Only the main thread calls MPI (the reader and worker threads never do). */
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        cli_error(cmd, "MPI_Init failed");
        return -1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
#else
    (void)cmd;
#endif
    return 0;
}

void cli_mpi_finish(int size, int ok)
{
#ifdef HARK_MPI
    int init = 0;
    MPI_Initialized(&init);
    if (!init)
        return;
    if (!ok && size > 1)
        MPI_Abort(MPI_COMM_WORLD, CLI_FAIL);
    MPI_Finalize();
#else
    (void)size;
    (void)ok;
#endif
}
