#include "chunk_deflater.h"

#include <libdeflate.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "perfetto_format.h"
#include "protobuf_wire.h"

namespace pyitt::collector {

namespace {
// More in flight only costs memory: two per worker keeps every worker busy.
constexpr std::size_t kInFlightPerWorker = 2;

struct FreeCompressor {
    void operator()(libdeflate_compressor* compressor) const { libdeflate_free_compressor(compressor); }
};

// libdeflate rather than zlib: on these packets its level 1 is about twice zlib's level-1 speed
// (4.2 against 8.9 ns a byte) and compresses a little better; the output is the same zlib format
// (Perfetto inflates compressed_packets with zlib). One compressor per thread, kept: making one
// costs more than compressing a chunk.
libdeflate_compressor* this_threads_compressor() {
    thread_local std::unique_ptr<libdeflate_compressor, FreeCompressor> compressor(libdeflate_alloc_compressor(1));
    return compressor.get();
}

// A chunk this small (a short run's whole trace) is stored, not compressed: level 1 first clears
// hash tables of 128 kB, 32 page faults for a few hundred bytes saved.
constexpr std::size_t kStoredBelowBytes = 4096;
libdeflate_compressor* this_threads_storer() {
    thread_local std::unique_ptr<libdeflate_compressor, FreeCompressor> storer(libdeflate_alloc_compressor(0));
    return storer.get();
}
}  // namespace

ChunkDeflater::ChunkDeflater(std::FILE* file) : file_(file), ok_(file != nullptr) {}
ChunkDeflater::ChunkDeflater(int fd) : fd_(fd), ok_(fd >= 0), automatic_workers_(false) {}

void ChunkDeflater::start_workers() {
    if (workers_started_) return;
    // One worker per core: the encoding thread gives its core up while it waits on them. At exit
    // (or after a crash) a thread may not start: then the encoding thread deflates by itself.
    workers_started_ = true;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    try {
        for (unsigned i = 0; i < std::min(cores, 8u); ++i) workers_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
    }
}

ChunkDeflater::~ChunkDeflater() { finish(); }

std::string ChunkDeflater::deflate_packet(const std::string& raw) {
    std::string packed;
    libdeflate_compressor* compressor = raw.size() < kStoredBelowBytes ? this_threads_storer() : this_threads_compressor();
    if (compressor == nullptr) return packed;
    // Kept per thread, as large as the largest chunk so far: a fresh one would be page faults.
    thread_local std::string compressed;
    const std::size_t bound = libdeflate_zlib_compress_bound(compressor, raw.size());
    if (compressed.size() < bound) compressed.resize(bound);
    const std::size_t size = libdeflate_zlib_compress(compressor, raw.data(), raw.size(), compressed.data(),
                                                      compressed.size());
    if (size == 0) return packed;
    // TracePacket { compressed_packets: bytes }, written once.
    std::string inner_head;
    wire::put_tag(inner_head, perfetto::kCompressedPackets, wire::kLengthDelimited);
    wire::put_varint(inner_head, size);
    wire::put_tag(packed, perfetto::kTracePacket, wire::kLengthDelimited);
    wire::put_varint(packed, inner_head.size() + size);
    packed.reserve(packed.size() + inner_head.size() + size);
    packed += inner_head;
    packed.append(compressed.data(), size);
    return packed;
}

// A few: the encoder takes one back per chunk, and at most the chunks in flight are out.
constexpr std::size_t kSpareBuffers = 4;

std::string ChunkDeflater::take_buffer(std::size_t size) {
    std::string buffer;
    {
        std::lock_guard lock(mutex_);
        if (!spare_buffers_.empty()) {
            buffer = std::move(spare_buffers_.back());
            spare_buffers_.pop_back();
        }
    }
    buffer.resize(size);
    return buffer;
}

void ChunkDeflater::deflate_job(Job& job) {
    std::string out = deflate_packet(job.raw);
    std::lock_guard lock(mutex_);
    job.out = std::move(out);
    if (spare_buffers_.size() < kSpareBuffers) {
        job.raw.clear();
        spare_buffers_.push_back(std::move(job.raw));
    }
    job.raw = std::string();
    job.done = true;
}

void ChunkDeflater::work() {
    std::unique_lock lock(mutex_);
    for (;;) {
        work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        std::shared_ptr<Job> job = queue_.front();
        queue_.pop_front();
        lock.unlock();
        deflate_job(*job);
        job_done_.notify_all();
        lock.lock();
    }
}

void ChunkDeflater::submit(std::string raw) {
    auto job = std::make_shared<Job>();
    job->raw = std::move(raw);
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(job);
        in_order_.push_back(job);
    }
    // Workers from the second chunk on: a trace of one chunk (most short runs) is deflated by
    // finish() on this thread, which saves a start the cost of creating and joining threads.
    if (automatic_workers_ && !workers_started_ && ++submitted_ >= 2) start_workers();
    work_ready_.notify_one();
    write_done_front(false);
    const std::size_t limit = kInFlightPerWorker * std::max<std::size_t>(1, workers_.size());
    while (true) {
        std::shared_ptr<Job> own;
        {
            std::lock_guard lock(mutex_);
            if (in_order_.size() <= limit) break;
            // Too many in flight: the encoding thread deflates one itself rather than wait idle.
            if (!queue_.empty()) {
                own = queue_.back();
                queue_.pop_back();
            }
        }
        if (own) deflate_job(*own);
        write_done_front(own == nullptr);
    }
}

// Writes the finished chunks at the front, in order; with `wait`, at least the first one.
void ChunkDeflater::write_done_front(bool wait) {
    for (;;) {
        std::shared_ptr<Job> job;
        {
            std::unique_lock lock(mutex_);
            if (in_order_.empty()) return;
            if (wait) job_done_.wait(lock, [this] { return in_order_.front()->done; });
            if (!in_order_.front()->done) return;
            job = in_order_.front();
            in_order_.pop_front();
        }
        wait = false;
        if (job->out.empty()) {  // zlib failed (out of memory): the chunk is lost, the trace is not whole
            ok_ = false;
            error_number_ = ENOMEM;
        }
        write(job->out);
        checksums_.push_back(static_cast<std::uint32_t>(libdeflate_crc32(0, job->out.data(), job->out.size())));
    }
}

void ChunkDeflater::drain() {
    if (workers_.empty()) deflate_queued_here();  // no worker would take them
    while (true) {
        {
            std::lock_guard lock(mutex_);
            if (in_order_.empty()) break;
        }
        write_done_front(true);
    }
}

void ChunkDeflater::write_plain(std::string_view bytes) {
    drain();
    write(bytes);
}

void ChunkDeflater::write(std::string_view bytes) {
    if (!ok_) return;
    if (file_ != nullptr) {
        if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
            ok_ = false;
            error_number_ = errno;
        }
        return;
    }
    for (std::size_t done = 0; done < bytes.size();) {
        const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ok_ = false;
            error_number_ = n < 0 ? errno : EIO;
            return;
        }
        done += static_cast<std::size_t>(n);
    }
}

void ChunkDeflater::deflate_queued_here() {
    while (true) {
        std::shared_ptr<Job> own;
        {
            std::lock_guard lock(mutex_);
            if (queue_.empty()) break;
            own = queue_.back();
            queue_.pop_back();
        }
        deflate_job(*own);
    }
}

void ChunkDeflater::finish() {
    deflate_queued_here();  // what no worker took yet
    write_plain(std::string());
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_ready_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
}

}  // namespace pyitt::collector
