// A rank of a parallel job, as its launcher describes it in the environment (Open MPI, PMIx,
// MPICH/Hydra and Intel MPI, Slurm's srun). Evidence, not one variable: a stray OMPI_COMM_WORLD_RANK
// in a shell makes no job.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace pyitt::job {

struct JobRank {
    std::string launcher;  // "Open MPI", "MPICH/Hydra", "Slurm srun"
    std::string job_id;    // the same on every rank of one job; empty when the launcher names none
    std::string node_id;   // without a job id: what names the job on this node (Hydra's proxy pid)
    int rank = 0, size = 0;
    std::string label() const { return "rank " + std::to_string(rank); }
};

using Environment = std::function<const char*(const char*)>;

// The job this process is a rank of, or nothing. A job needs: the rank and the size from one
// launcher, 0 <= rank < size, size > 1, and the launcher's own proof of life (a job id, or for
// Hydra its PMI connection).
std::optional<JobRank> detect_job(const Environment& getenv);
std::optional<JobRank> detect_job();  // from this process's environment

// A name for files and directories: letters, digits, '.', '_', '-' kept, anything else '_'.
std::string safe_name(const std::string& text);

// The job's default run directory under pyitt-output/, the same on every rank: "<program>-job-<id>".
std::string job_dir_name(const JobRank& job, const std::string& program_label);

}  // namespace pyitt::job
