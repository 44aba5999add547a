// Reads back everything recorded, as one stream ordered by time: a cursor per thread (spilled chunks
// in order, then the live buffer) and a k-way merge on timestamps. Memory stays bounded: a spilled
// chunk is read through a small window, never loaded whole.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

#include "record.h"
#include "thread_buffers.h"

namespace pyitt::collector {

class ThreadCursor {
public:
    ThreadCursor(ThreadSnapshot snapshot, int spill_fd);
    // The current record with its extension slots contiguous after it, or nullptr at the end.
    const Record* group() const { return current_; }
    void advance();
    const ThreadSnapshot& thread() const { return snap_; }

private:
    void settle();  // makes current_ point at a complete group, moving to later chunks as needed
    bool load_window(std::uint64_t first);

    ThreadSnapshot snap_;
    int fd_;
    std::size_t chunk_ = 0;     // snap_.chunks.size() stands for the live tail
    std::uint64_t pos_ = 0;     // record index inside the current chunk
    std::vector<Record> window_;
    std::uint64_t window_first_ = 0;
    std::uint64_t window_count_ = 0;
    const Record* current_ = nullptr;
};

class MergedRecords {
public:
    MergedRecords(std::vector<ThreadSnapshot> threads, int spill_fd);
    // The next group in time order and the cursor it came from; false at the end.
    bool next(const Record*& group, std::size_t& thread);
    const ThreadSnapshot& thread(std::size_t i) const { return cursors_[i].thread(); }
    std::size_t thread_count() const { return cursors_.size(); }

private:
    using Entry = std::pair<std::uint64_t, std::size_t>;  // (ts, cursor)
    std::vector<ThreadCursor> cursors_;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
    std::size_t pending_ = SIZE_MAX;  // cursor to advance before the next pop
};

}  // namespace pyitt::collector
