#include "job_environment.h"

#include <cstdlib>
#include <string_view>
#include <unistd.h>

namespace pyitt::job {
namespace {

// A whole non-negative decimal number, or -1.
long number(const char* text) {
    if (text == nullptr || *text == '\0') return -1;
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    return *end == '\0' && value >= 0 && value < (1L << 30) ? value : -1;
}

bool present(const char* text) { return text != nullptr && *text != '\0'; }

std::optional<JobRank> make(const char* launcher, long rank, long size, std::string job_id, std::string node_id = {}) {
    if (rank < 0 || size < 2 || rank >= size) return std::nullopt;
    return JobRank{launcher, std::move(job_id), std::move(node_id), static_cast<int>(rank), static_cast<int>(size)};
}

}  // namespace

std::optional<JobRank> detect_job(const Environment& env) {
    // Open MPI's mpirun (ORTE or PRRTE): the rank and size, and the job's id or PMIx namespace.
    if (present(env("OMPI_COMM_WORLD_RANK"))) {
        const char* id = present(env("PMIX_NAMESPACE")) ? env("PMIX_NAMESPACE") : env("OMPI_MCA_ess_base_jobid");
        if (present(id)) {
            if (auto job = make("Open MPI", number(env("OMPI_COMM_WORLD_RANK")), number(env("OMPI_COMM_WORLD_SIZE")), id))
                return job;
        }
    }
    // Slurm's srun (also what starts PMIx or PMI-2 ranks under Slurm): the step's tasks. A batch
    // script has SLURM_PROCID too, but no step id: it is one process, not a rank.
    if (present(env("SLURM_PROCID")) && present(env("SLURM_JOB_ID")) && present(env("SLURM_STEP_ID"))) {
        const char* tasks = present(env("SLURM_STEP_NUM_TASKS")) ? env("SLURM_STEP_NUM_TASKS") : env("SLURM_NTASKS");
        const std::string id = std::string(env("SLURM_JOB_ID")) + "." + env("SLURM_STEP_ID");
        if (auto job = make("Slurm srun", number(env("SLURM_PROCID")), number(tasks), id)) return job;
    }
    // MPICH's and Intel MPI's Hydra: PMI_RANK/PMI_SIZE, and its PMI connection (PMI_FD to the local
    // proxy, or PMI_PORT). Over PMI_FD Hydra names no job: the job id stays empty (every rank agrees
    // on that, on every node), and the default directory is named after the node's proxy (several
    // nodes: give -o a shared directory, or gather them with --merge).
    if (present(env("PMI_RANK")) && (present(env("PMI_FD")) || present(env("PMI_PORT")))) {
        const std::string id = present(env("PMI_KVSNAME")) ? env("PMI_KVSNAME")
                               : present(env("PMI_PORT"))  ? std::string("hydra-") + env("PMI_PORT")
                                                           : std::string();
        if (auto job = make("MPICH/Hydra", number(env("PMI_RANK")), number(env("PMI_SIZE")), id,
                            "hydra-" + std::to_string(::getppid())))
            return job;
    }
    return std::nullopt;
}

std::optional<JobRank> detect_job() {
    return detect_job([](const char* name) { return static_cast<const char*>(std::getenv(name)); });
}

std::string safe_name(const std::string& text) {
    std::string safe;
    for (char c : text) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                          c == '_' || c == '-';
        safe += keep ? c : '_';
    }
    if (safe.size() > 80) safe.resize(80);
    return safe;
}

std::string job_dir_name(const JobRank& job, const std::string& program_label) {
    const std::string& id = !job.job_id.empty() ? job.job_id : !job.node_id.empty() ? job.node_id : "unnamed";
    return program_label + "-job-" + safe_name(id);
}

}  // namespace pyitt::job
