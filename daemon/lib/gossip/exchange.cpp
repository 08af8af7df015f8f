#include "gossip/exchange.hpp"

namespace mars::gossip {

net::Entries answer_get_entries(const tree::StateTree& tree, tree::LamportClock& clock,
                                const net::GetEntries& request)
{
    const std::uint64_t from = request.epoch == tree.epoch() ? request.since : 0;
    auto changes = tree.changed_since(from, kEntriesPerAnswer);
    net::Entries answer;
    answer.stamp = clock.now();
    answer.epoch = changes.epoch;
    answer.cursor = changes.cursor;
    answer.complete = changes.complete;
    for (auto& e : changes.entries) {
        if (!request.prefixes.empty()) {
            bool wanted = false;
            for (const auto& p : request.prefixes)
                wanted = wanted || e.key.compare(0, p.size(), p) == 0;
            if (!wanted)
                continue;
        }
        answer.entries.push_back(std::move(e));
    }
    return answer;
}

MergeCount merge_entries(tree::StateTree& tree, const std::vector<tree::Entry>& entries)
{
    MergeCount count;
    for (const auto& e : entries) {
        switch (tree.merge(e)) {
        case tree::MergeResult::applied:
            ++count.applied;
            break;
        case tree::MergeResult::not_newer:
            break;
        case tree::MergeResult::future_stamp:
            if (count.refused++ == 0)
                count.first_refusal = "entry " + e.key + " is stamped more than 30 days in the future";
            break;
        case tree::MergeResult::invalid:
            if (count.refused++ == 0)
                count.first_refusal = "entry '" + e.key + "' is not a valid key/value";
            break;
        }
    }
    return count;
}

MergeCount pull(net::Channel& channel, tree::StateTree& tree, PullCursor& cursor, std::chrono::milliseconds timeout)
{
    MergeCount total;
    for (;;) {
        net::GetEntries request;
        request.since = cursor.cursor;
        request.epoch = cursor.epoch;
        channel.send(request, timeout);
        auto answer = channel.receive(timeout).as<net::Entries>();
        // A peer that restarted has a new epoch; it answered from zero, and
        // from now on our cursor counts in its new epoch.
        auto count = merge_entries(tree, answer.entries);
        total.applied += count.applied;
        if (count.refused > 0 && total.refused == 0)
            total.first_refusal = count.first_refusal;
        total.refused += count.refused;
        cursor.epoch = answer.epoch;
        cursor.cursor = answer.cursor;
        if (answer.complete)
            return total;
    }
}

} // namespace mars::gossip
