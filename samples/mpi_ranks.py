"""An MPI job under pyitt-host (mpi4py): one run directory, one trace and one summary for all ranks.

    mpirun -n 4 pyitt-host -R solve -R exchange -- samples/mpi_ranks.py
    srun -n 4 pyitt-host -R solve -R exchange -- samples/mpi_ranks.py

Rank r solves (r + 1) blocks, so the summary's Load imbalance table shows rank 0 fastest and the
last rank slowest; exchange is the reduction every rank waits in.
"""
import sys

from mpi4py import MPI


def solve(blocks):
    """A little work per block: a linear congruential walk."""
    value = blocks
    for _ in range(blocks * 60_000):
        value = (value * 1103515245 + 12345) % 2**31
    return value % 1000


def exchange(comm, value):
    return comm.allreduce(value, op=MPI.SUM)


def main(rounds):
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    total = 0
    for _ in range(rounds):
        total = exchange(comm, solve(rank + 1))
    if rank == 0:
        print(f"{size} ranks, {rounds} rounds: checksum {total}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
