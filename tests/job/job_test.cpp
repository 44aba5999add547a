#include <gtest/gtest.h>

#include <map>
#include <string>
#include <unistd.h>

#include "event_time.h"
#include "job_directory.h"
#include "job_environment.h"

namespace {

using pyitt::job::detect_job;

std::optional<pyitt::job::JobRank> detect(const std::map<std::string, std::string>& vars) {
    return detect_job([&](const char* name) -> const char* {
        const auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    });
}

TEST(DetectJob, OpenMpiNeedsRankSizeAndJobId) {
    const auto job = detect({{"OMPI_COMM_WORLD_RANK", "2"}, {"OMPI_COMM_WORLD_SIZE", "4"}, {"PMIX_NAMESPACE", "1383137281"}});
    ASSERT_TRUE(job);
    EXPECT_EQ(job->launcher, "Open MPI");
    EXPECT_EQ(job->rank, 2);
    EXPECT_EQ(job->size, 4);
    EXPECT_EQ(job->job_id, "1383137281");
    EXPECT_EQ(job->label(), "rank 2");
    EXPECT_FALSE(detect({{"OMPI_COMM_WORLD_RANK", "2"}}));
    EXPECT_FALSE(detect({{"OMPI_COMM_WORLD_RANK", "2"}, {"OMPI_COMM_WORLD_SIZE", "4"}}));
    EXPECT_FALSE(detect({{"OMPI_COMM_WORLD_RANK", "4"}, {"OMPI_COMM_WORLD_SIZE", "4"}, {"PMIX_NAMESPACE", "x"}}));
    EXPECT_FALSE(detect({{"OMPI_COMM_WORLD_RANK", "0"}, {"OMPI_COMM_WORLD_SIZE", "1"}, {"PMIX_NAMESPACE", "x"}}));
    EXPECT_FALSE(detect({{"OMPI_COMM_WORLD_RANK", "-1"}, {"OMPI_COMM_WORLD_SIZE", "4"}, {"PMIX_NAMESPACE", "x"}}));
    EXPECT_FALSE(detect({{"OMPI_COMM_WORLD_RANK", "1x"}, {"OMPI_COMM_WORLD_SIZE", "4"}, {"PMIX_NAMESPACE", "x"}}));
}

TEST(DetectJob, SlurmNeedsAStep) {
    const std::map<std::string, std::string> batch{{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "8"}, {"SLURM_JOB_ID", "77"}};
    EXPECT_FALSE(detect(batch));
    auto step = batch;
    step["SLURM_STEP_ID"] = "3";
    step["SLURM_PROCID"] = "5";
    step["SLURM_STEP_NUM_TASKS"] = "6";
    const auto job = detect(step);
    ASSERT_TRUE(job);
    EXPECT_EQ(job->launcher, "Slurm srun");
    EXPECT_EQ(job->job_id, "77.3");
    EXPECT_EQ(job->rank, 5);
    EXPECT_EQ(job->size, 6);
}

TEST(DetectJob, HydraNeedsItsPmiConnection) {
    EXPECT_FALSE(detect({{"PMI_RANK", "1"}, {"PMI_SIZE", "4"}}));
    const auto job = detect({{"PMI_RANK", "1"}, {"PMI_SIZE", "4"}, {"PMI_FD", "7"}, {"PMI_KVSNAME", "kvs_42_0"}});
    ASSERT_TRUE(job);
    EXPECT_EQ(job->launcher, "MPICH/Hydra");
    EXPECT_EQ(job->job_id, "kvs_42_0");
    // Over PMI_FD without a name: no job id (the same on every node), the directory named after the proxy.
    const auto unnamed = detect({{"PMI_RANK", "1"}, {"PMI_SIZE", "4"}, {"PMI_FD", "7"}});
    ASSERT_TRUE(unnamed);
    EXPECT_EQ(unnamed->job_id, "");
    EXPECT_EQ(pyitt::job::job_dir_name(*unnamed, "app"), "app-job-hydra-" + std::to_string(::getppid()));
    EXPECT_EQ(detect({{"PMI_RANK", "1"}, {"PMI_SIZE", "4"}, {"PMI_PORT", "node1:4242"}})->job_id, "hydra-node1:4242");
}

TEST(DetectJob, OpenMpiWinsInsideASlurmAllocation) {
    const auto job = detect({{"OMPI_COMM_WORLD_RANK", "1"}, {"OMPI_COMM_WORLD_SIZE", "2"}, {"OMPI_MCA_ess_base_jobid", "9"},
                             {"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}, {"SLURM_JOB_ID", "5"}, {"SLURM_STEP_ID", "0"}});
    ASSERT_TRUE(job);
    EXPECT_EQ(job->launcher, "Open MPI");
    EXPECT_EQ(job->rank, 1);
}

TEST(JobDirectory, RankDirectoryNames) {
    EXPECT_EQ(pyitt::job::rank_dir_name(12), "rank-12");
    EXPECT_EQ(pyitt::job::rank_of_dir_name("rank-12"), 12);
    EXPECT_EQ(pyitt::job::rank_of_dir_name("rank-0"), 0);
    EXPECT_FALSE(pyitt::job::rank_of_dir_name("rank-"));
    EXPECT_FALSE(pyitt::job::rank_of_dir_name("rank-01"));
    EXPECT_FALSE(pyitt::job::rank_of_dir_name("rank-1a"));
    EXPECT_FALSE(pyitt::job::rank_of_dir_name("ranks-1"));
    EXPECT_EQ(pyitt::job::safe_name("prterun-host/12@1"), "prterun-host_12_1");
}

TEST(MoveEvent, ShiftsTheTopLevelTimestampOnly) {
    using pyitt::job::shift_event_time;
    EXPECT_EQ(shift_event_time(R"({"ph":"X","name":"a","ts":1000.250,"dur":3.000,"pid":1})", 1'500),
              R"({"ph":"X","name":"a","ts":1001.750,"dur":3.000,"pid":1})");
    EXPECT_EQ(shift_event_time(R"({"ph":"X","ts":12,"pid":1})", -2'000), R"({"ph":"X","ts":10.000,"pid":1})");
    EXPECT_EQ(shift_event_time(R"({"ph":"X","ts":1.5,"pid":1})", 0), R"({"ph":"X","ts":1.5,"pid":1})");
    EXPECT_EQ(shift_event_time(R"({"ph":"X","ts":1.5,"pid":1})", 1), R"({"ph":"X","ts":1.501,"pid":1})");
    // "ts" inside args or inside a string is not the event's.
    EXPECT_EQ(shift_event_time(R"({"name":"\"ts\":1","args":{"ts":5},"ts":2.000})", 1'000),
              R"({"name":"\"ts\":1","args":{"ts":5},"ts":3.000})");
    EXPECT_EQ(shift_event_time(R"({"ph":"M","name":"process_name"})", 1'000), R"({"ph":"M","name":"process_name"})");
    EXPECT_EQ(shift_event_time(R"({"ts":1.000})", -5'000), R"({"ts":0.000})");
}

TEST(MoveEvent, OffsetsTheTopLevelPidOnly) {
    using pyitt::job::move_event;
    EXPECT_EQ(move_event(R"({"ph":"X","ts":1.000,"pid":12,"tid":12,"args":{"pid":3}})", 0, 4194304),
              R"({"ph":"X","ts":1.000,"pid":4194316,"tid":12,"args":{"pid":3}})");
    EXPECT_EQ(move_event(R"({"ph":"M","pid":7,"ts":2.5})", 500, 10), R"({"ph":"M","pid":17,"ts":3.000})");
    EXPECT_EQ(move_event(R"({"ph":"M","name":"x","pid":7})", 0, 0), R"({"ph":"M","name":"x","pid":7})");
}

TEST(ClockAnchor, ReadsBothClocksTogether) {
    const auto anchor = pyitt::job::take_clock_anchor();
    EXPECT_GT(anchor.realtime_ns, anchor.monotonic_ns);
    EXPECT_GT(anchor.monotonic_ns, 0);
}

}  // namespace
