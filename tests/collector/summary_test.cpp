// GoogleTest units of the summary's call trees (collector/summary.*) and of the flame graph's frame
// tree and collapsed stacks (flamegraph/frame_tree.*).
#include <gtest/gtest.h>

#include <string>

#include "flamegraph/frame_tree.h"
#include "summary.h"

namespace pyitt::collector {
namespace {

struct Labels {
    Name domain{"d", "\"d\""}, a{"a", "\"a\""}, b{"b", "\"b\""}, c{"c", "\"c\""};
};

// Replays one thread's nested calls: enter(name) ... leave(), with a clock that ticks 10 ns per step.
class Calls {
public:
    Calls(Summary& s, Summary::Thread* t, const Name* domain) : s_(s), t_(t), domain_(domain) {}
    void enter(const Name* name) {
        Summary::Node* parent = stack_.empty() ? nullptr : stack_.back().node;
        stack_.push_back({s_.enter(t_, parent, domain_, name), now_ += 10, 0});
    }
    void leave() {
        Open o = stack_.back();
        stack_.pop_back();
        now_ += 10;
        s_.leave(t_, o.node, o.begin, now_, o.children, false);
        if (!stack_.empty()) stack_.back().children += now_ - o.begin;
    }

private:
    struct Open {
        Summary::Node* node;
        std::uint64_t begin, children;
    };
    Summary& s_;
    Summary::Thread* t_;
    const Name* domain_;
    std::vector<Open> stack_;
    std::uint64_t now_ = 0;
};

TEST(Summary, IndirectRecursionStaysInOneNodePerLabel) {
    Labels l;
    Summary s;
    Calls calls(s, s.add_thread(1, -1), &l.domain);
    calls.enter(&l.a);  // a > b > a > b > c
    calls.enter(&l.b);
    calls.enter(&l.a);
    calls.enter(&l.b);
    calls.enter(&l.c);
    for (int i = 0; i < 5; ++i) calls.leave();
    const auto& root = s.threads()[0]->root;
    ASSERT_EQ(root.children.size(), 1u);
    const Summary::Node* a = root.children[0];
    ASSERT_EQ(a->children.size(), 1u);
    const Summary::Node* b = a->children[0];
    EXPECT_EQ(a->count, 2u);
    EXPECT_EQ(a->recursion, 2u);
    EXPECT_EQ(b->recursion, 2u);
    ASSERT_EQ(b->children.size(), 1u);
    EXPECT_EQ(b->children[0]->name, &l.c);
    EXPECT_EQ(s.label_count(), 3u);
    EXPECT_EQ(s.task_count(), 5u);
    // Inclusive: the outermost call only (a: 90 ns, from its begin at 10 to its end at 100).
    EXPECT_EQ(a->inclusive_ns, 90u);
    const auto rows = s.flat();
    std::uint64_t exclusive = 0;
    for (const auto& r : rows) exclusive += r.exclusive_ns;
    EXPECT_EQ(exclusive, 90u);  // every nanosecond of the outer call, once
}

TEST(Summary, DeepRecursionIsOneRow) {
    Labels l;
    Summary s;
    Calls calls(s, s.add_thread(1, -1), &l.domain);
    constexpr int kDepth = 200000;  // quadratic work would take minutes here
    for (int i = 0; i < kDepth; ++i) calls.enter(&l.a);
    for (int i = 0; i < kDepth; ++i) calls.leave();
    const auto rows = s.flat();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].count, static_cast<std::uint64_t>(kDepth));
    EXPECT_EQ(rows[0].recursion, static_cast<std::uint32_t>(kDepth));
    EXPECT_EQ(rows[0].inclusive_ns, rows[0].exclusive_ns);
    EXPECT_NE(s.full_text(1, 1000, kDepth).find("a (recursive, depth 1-200000)"), std::string::npos);
}

TEST(Summary, ThreadsKeepTheirOwnTrees) {
    Labels l;
    Summary s;
    Summary::Thread* one = s.add_thread(1, 5);
    Summary::Thread* two = s.add_thread(2, -1);
    Calls first(s, one, &l.domain), second(s, two, &l.domain);
    first.enter(&l.a);
    second.enter(&l.a);  // the same label on another thread is not recursion
    second.leave();
    first.leave();
    EXPECT_EQ(one->root.children[0]->recursion, 1u);
    EXPECT_EQ(two->root.children[0]->recursion, 1u);
    EXPECT_NE(one->root.children[0], two->root.children[0]);
    EXPECT_EQ(s.flat()[0].count, 2u);
    flamegraph::FrameTree tree;
    s.add_frames(tree);
    EXPECT_EQ(tree.collapsed(), "thread (tid 1);a 10\nthread (tid 2);a 10\n");
}

TEST(SummaryText, LongNamesAreCutInTheMiddle) {
    const std::string first = "package.module.AVeryLongClassName.first_method";
    const std::string second = "package.module.AVeryLongClassName.second_method";
    const std::string a = summary_text::fit(first, 30), b = summary_text::fit(second, 30);
    EXPECT_EQ(a.size(), 30u);
    EXPECT_NE(a, b);
    EXPECT_EQ(a.substr(0, 9), "package.m");
    EXPECT_EQ(a.substr(a.size() - 12), "first_method");
    EXPECT_EQ(summary_text::fit("short", 30), "short");
}

TEST(Summary, NothingRecordedSaysWhy) {
    Summary s;
    s.add_thread(1, -1);
    const std::string text = s.brief_text(1, 1000, 0, "summary-1.txt");
    EXPECT_NE(text.find("no task was recorded"), std::string::npos);
    EXPECT_NE(text.find("--explain"), std::string::npos);
    EXPECT_EQ(text.find("label"), std::string::npos);
}

}  // namespace
}  // namespace pyitt::collector

namespace pyitt::flamegraph {
namespace {

TEST(FrameTree, CollapsedStacksRoundTrip) {
    FrameTree tree;
    const std::string text = "main;a;b 30\nmain;a 5\nmain;c 7\n";
    EXPECT_EQ(tree.add_collapsed(text, FrameTree::kRoot), 0u);
    EXPECT_EQ(tree.collapsed(), "main;a 5\nmain;a;b 30\nmain;c 7\n");
    EXPECT_EQ(tree.total(FrameTree::kRoot), 42u);
    FrameTree merged;
    merged.add_collapsed(text, merged.child(FrameTree::kRoot, "proc (pid 1)"));
    EXPECT_EQ(merged.collapsed(), "proc (pid 1);main;a 5\nproc (pid 1);main;a;b 30\nproc (pid 1);main;c 7\n");
}

TEST(FrameTree, SeparatorsInNamesAndBadLines) {
    FrameTree tree;
    tree.add_self(tree.child(tree.child(FrameTree::kRoot, "x;y"), "line\nbreak"), 3);
    EXPECT_EQ(tree.collapsed(), "x:y;line break 3\n");
    FrameTree parsed;
    EXPECT_EQ(parsed.add_collapsed("a;b 1\nno-count\na;b x\n 4\na 2\r\n", FrameTree::kRoot), 3u);
    EXPECT_EQ(parsed.collapsed(), "a 2\na;b 1\n");
}

TEST(FlamegraphHtml, NamesAreDataNotMarkup) {
    FrameTree tree;
    tree.add_self(tree.child(FrameTree::kRoot, "</script><b>x</b>&"), 1);
    const std::string html = flamegraph_html(tree, "t<i>", "ns");
    EXPECT_EQ(html.find("</script><b>"), std::string::npos);
    EXPECT_NE(html.find("\\u003c/script\\u003e\\u003cb\\u003ex\\u003c/b\\u003e\\u0026"), std::string::npos);
    EXPECT_NE(html.find("<title>t&lt;i></title>"), std::string::npos);
}

}  // namespace
}  // namespace pyitt::flamegraph
