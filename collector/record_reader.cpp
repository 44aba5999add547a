// Cursor over one thread's chunks and the time-ordered merge of all threads.
#include "record_reader.h"

#include <unistd.h>

#include <cerrno>

namespace pyitt::collector {

namespace {
constexpr std::uint64_t kWindowRecords = 4096;  // 128 KiB per thread while writing
// A group is a record plus its extensions; anything larger than a buffer can hold is corruption.
constexpr std::uint32_t kMaxExt = payload_slots(kMaxPayloadBytes) + 8;
}  // namespace

ThreadCursor::ThreadCursor(ThreadSnapshot snapshot, int spill_fd) : snap_(std::move(snapshot)), fd_(spill_fd) {
    settle();
}

bool ThreadCursor::load_window(std::uint64_t first) {
    const Chunk& c = snap_.chunks[chunk_];
    std::uint64_t count = std::min<std::uint64_t>(kWindowRecords, c.count - first);
    window_.resize(count);
    char* dst = reinterpret_cast<char*>(window_.data());
    std::size_t want = count * sizeof(Record);
    off_t off = static_cast<off_t>(c.offset + first * sizeof(Record));
    while (want > 0) {
        ssize_t n = pread(fd_, dst, want, off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        dst += n;
        off += n;
        want -= static_cast<std::size_t>(n);
    }
    window_first_ = first;
    window_count_ = count;
    return true;
}

void ThreadCursor::settle() {
    current_ = nullptr;
    for (;;) {
        const bool in_tail = chunk_ >= snap_.chunks.size();
        if (in_tail && chunk_ > snap_.chunks.size()) return;
        const std::uint64_t count = in_tail ? snap_.tail_count : snap_.chunks[chunk_].count;
        const Record* base = in_tail ? snap_.tail : snap_.chunks[chunk_].memory;
        if (pos_ < count) {
            if (base != nullptr) {
                const Record* r = base + pos_;
                if (r->ext <= kMaxExt && pos_ + 1 + r->ext <= count) {
                    current_ = r;
                    return;
                }
            } else if (fd_ >= 0) {
                auto window_has = [&](std::uint64_t n) {
                    return pos_ >= window_first_ && pos_ + n <= window_first_ + window_count_;
                };
                if (!window_has(1) && !load_window(pos_)) pos_ = count;
                if (pos_ < count) {
                    const Record* r = window_.data() + (pos_ - window_first_);
                    std::uint64_t need = 1 + r->ext;
                    if (r->ext <= kMaxExt && pos_ + need <= count) {
                        if (!window_has(need) && load_window(pos_)) r = window_.data();
                        if (window_has(need)) {
                            current_ = r;
                            return;
                        }
                    }
                }
            }
        }
        // This chunk is exhausted (or unreadable): the next one.
        ++chunk_;
        pos_ = 0;
        window_count_ = 0;
        if (chunk_ > snap_.chunks.size()) return;
    }
}

void ThreadCursor::advance() {
    if (current_ == nullptr) return;
    pos_ += 1 + current_->ext;
    settle();
}

MergedRecords::MergedRecords(std::vector<ThreadSnapshot> threads, int spill_fd) {
    cursors_.reserve(threads.size());
    for (ThreadSnapshot& t : threads) cursors_.emplace_back(std::move(t), spill_fd);
    for (std::size_t i = 0; i < cursors_.size(); ++i)
        if (const Record* r = cursors_[i].group()) heap_.push({r->ts, i});
}

bool MergedRecords::next(const Record*& group, std::size_t& thread) {
    if (pending_ != SIZE_MAX) {
        cursors_[pending_].advance();
        if (const Record* r = cursors_[pending_].group()) {
            // Still the earliest (always, with one thread): no trip through the heap.
            if (heap_.empty() || Entry{r->ts, pending_} < heap_.top()) {
                group = r;
                thread = pending_;
                return true;
            }
            heap_.push({r->ts, pending_});
        }
        pending_ = SIZE_MAX;
    }
    if (heap_.empty()) return false;
    thread = heap_.top().second;
    heap_.pop();
    group = cursors_[thread].group();
    pending_ = thread;  // the group stays valid until the next call
    return true;
}

}  // namespace pyitt::collector
