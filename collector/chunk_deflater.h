// Compresses a stream of chunks on worker threads and writes them in order: the trace is encoded by
// one thread while the others deflate, so writing costs the slower of the two, not their sum. Each
// chunk becomes one Perfetto packet of zlib-compressed packets (TracePacket.compressed_packets).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace pyitt::collector {

class ChunkDeflater {
public:
    explicit ChunkDeflater(std::FILE* file);
    // write(2) straight to the descriptor, deflating on the calling thread alone until start_workers():
    // the background converter's, which must leave the program's cores to the program.
    explicit ChunkDeflater(int fd);
    // Worker threads (one per core) from now on.
    void start_workers();
    ~ChunkDeflater();  // finish() if not called
    ChunkDeflater(const ChunkDeflater&) = delete;
    ChunkDeflater& operator=(const ChunkDeflater&) = delete;

    // Takes a chunk of whole packets (the Trace encoding); may block while too many are in flight.
    void submit(std::string raw);
    // A zeroed buffer of `size` bytes for the next chunk: one a deflated chunk was in, where there is
    // one. A fresh chunk-sized buffer is above malloc's mmap threshold, so each of its pages is a page
    // fault (64 for a 256 kB chunk: most of what a recorded call cost in the kernel).
    std::string take_buffer(std::size_t size);
    // Bytes written as they are, in order after every chunk submitted before.
    void write_plain(std::string_view bytes);
    // Waits for every chunk submitted so far and writes it.
    void drain();
    // The CRC-32 of each compressed packet written so far (tag and length included), in file order:
    // the merge copies a trace's packets without inflating them once they match (perfetto_reader.h).
    const std::vector<std::uint32_t>& checksums() const { return checksums_; }
    // Waits for every chunk and writes it; stops the workers.
    void finish();
    bool ok() const { return ok_; }
    int error_number() const { return error_number_; }

    // One chunk as a packet of compressed packets (also for the merge).
    static std::string deflate_packet(const std::string& raw);

private:
    struct Job {
        std::string raw, out;
        bool done = false;
    };
    void deflate_queued_here();
    // Deflates `job` on this thread, keeps its raw buffer for take_buffer() and marks it done.
    void deflate_job(Job& job);
    void work();
    void write_done_front(bool wait);
    void write(std::string_view bytes);

    std::FILE* file_ = nullptr;
    int fd_ = -1;
    bool ok_;
    int error_number_ = 0;
    std::mutex mutex_;
    std::condition_variable work_ready_, job_done_;
    std::deque<std::shared_ptr<Job>> queue_;     // waiting for a worker
    std::deque<std::shared_ptr<Job>> in_order_;  // submitted, not yet written
    std::vector<std::thread> workers_;
    bool automatic_workers_ = true;  // from the second chunk on; else only through start_workers()
    bool workers_started_ = false;
    unsigned submitted_ = 0;
    std::vector<std::uint32_t> checksums_;
    std::vector<std::string> spare_buffers_;  // emptied raw chunks, their memory kept
    bool stopping_ = false;
};

}  // namespace pyitt::collector
