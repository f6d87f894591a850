// checkPlan stage 5, second half: races, packet rules and buffer lifetimes
// over the accesses of one execution (see analysis.hpp).
#include <algorithm>
#include <set>
#include <string>
#include <tuple>

#include "analysis.hpp"
#include "paths.hpp"

namespace lccl::plan::detail {
namespace {

constexpr size_t kMaxReports = 10;               // per kind of finding
constexpr uint64_t kMaxComparisons = 20u << 20;  // then the analysis stops (reported)

bool isRead(AccessMode m) { return m == AccessMode::Read || m == AccessMode::PacketRead; }
bool packet(AccessMode m) { return m == AccessMode::PacketRead || m == AccessMode::PacketWrite; }

const char* verb(AccessMode m) {
  switch (m) {
    case AccessMode::Read: return "reads";
    case AccessMode::Write: return "writes";
    case AccessMode::PacketRead: return "reads packets in";
    case AccessMode::PacketWrite: return "writes packets to";
  }
  return "?";
}

// The accesses overlapping the sweep position: a min-heap on end chunk, so
// that those ending before the position leave in O(log n) each.
class Active {
 public:
  void clear() { heap_.clear(); }
  void add(const Access* a) {
    heap_.push_back(a);
    std::push_heap(heap_.begin(), heap_.end(), later);
  }
  void expire(uint32_t position) {
    while (!heap_.empty() && end(heap_.front()) <= position) {
      std::pop_heap(heap_.begin(), heap_.end(), later);
      heap_.pop_back();
    }
  }
  const std::vector<const Access*>& all() const { return heap_; }

 private:
  static uint32_t end(const Access* a) { return a->first + a->count; }
  static bool later(const Access* x, const Access* y) { return end(x) > end(y); }
  std::vector<const Access*> heap_;
};

class Checker {
 public:
  Checker(const Plan& p, const HappensBefore& hb, Diagnostics& d) : p_(p), hb_(hb), d_(d) {}

  // Sorted by start chunk, each access is compared with the earlier ones it
  // overlaps that could conflict with it: writes with everything, reads with
  // writes only (so a chunk read by every rank costs nothing).
  void sweep(std::vector<Access>& all) {
    std::sort(all.begin(), all.end(), [](const Access& a, const Access& b) {
      return std::tie(a.owner, a.buffer, a.first) < std::tie(b.owner, b.buffer, b.first);
    });
    Active reads, writes;  // earlier accesses still overlapping, by kind
    for (size_t i = 0; i < all.size(); ++i) {
      const Access& a = all[i];
      if (i > 0 && (all[i - 1].owner != a.owner || all[i - 1].buffer != a.buffer)) {
        reads.clear();
        writes.clear();
      }
      reads.expire(a.first);
      writes.expire(a.first);
      bool ok = compareAll(writes, a) && (isRead(a.mode) || compareAll(reads, a));
      if (!ok) {
        d_.error(p_.path + "ranks", "race analysis gave up after " +
                                        std::to_string(kMaxComparisons) +
                                        " comparisons: too many overlapping accesses");
        return;
      }
      (isRead(a.mode) ? reads : writes).add(&a);
    }
    note("race(s)", races_);
    note("packet double write(s)", doubles_);
  }

  void lifetime(const Access& a) {
    if (a.owner == a.rank || packet(a.mode)) return;
    std::string what =
        verb(a.mode) + std::string(" ") + chunkText(a.owner, a.buffer, a.first, a.count);
    std::string peer = "rank " + std::to_string(a.owner);
    if (!hb_.afterStart(a.owner, a.event))
      report(lifetimes_, a,
             what + " before " + peer + " has started: no signal from " + peer +
                 " orders it after " + peer + "'s start (" + peer +
                 " may still be using the buffer)");
    else if (!hb_.beforeEnd(a.owner, a.event))
      report(lifetimes_, a,
             what + " after " + peer + " may have finished: " + peer +
                 " does not wait for a signal sent after it (" + peer + " may reuse the buffer)");
  }

  void finishLifetimes() { note("buffer lifetime problem(s)", lifetimes_); }

 private:
  std::string path(const Access& a) const {
    return a.isDst ? dstPath(p_, a.rank, a.op, a.ref) : srcPath(p_, a.rank, a.op, a.ref);
  }

  void report(size_t& counter, const Access& a, const std::string& message) {
    if (counter++ < kMaxReports) d_.error(path(a), message);
  }

  void note(const char* what, size_t count) {
    if (count > kMaxReports)
      d_.error(p_.path + "ranks",
               std::to_string(count - kMaxReports) + " more " + what + " not shown");
  }

  // False once the comparison budget is spent.
  bool compareAll(const Active& active, const Access& a) {
    for (const Access* x : active.all()) {
      if (++comparisons_ > kMaxComparisons) return false;
      compare(*x, a);
    }
    return true;
  }

  void compare(const Access& x, const Access& a) {
    if (x.rank == a.rank && x.op == a.op) return;
    if (isRead(x.mode) && isRead(a.mode)) return;
    bool twice = x.mode == AccessMode::PacketWrite && a.mode == AccessMode::PacketWrite;
    if (!twice && packet(x.mode) && packet(a.mode)) return;  // the flag orders read after write
    if (!twice && (hb_.before(x.event, a.event) || hb_.before(a.event, x.event))) return;
    size_t& counter = twice ? doubles_ : races_;
    if (counter >= kMaxReports) {
      ++counter;  // reports are full: count only
      return;
    }
    if (!firstReport(x, a)) return;
    uint32_t lo = std::max(x.first, a.first);
    uint32_t hi = std::min(x.first + x.count, a.first + a.count);
    std::string where = chunkText(a.owner, a.buffer, lo, hi - lo);
    if (twice)
      report(counter, a,
             "writes packets to " + where + ", which " + path(x) +
                 " also writes; a packet chunk takes one write per execution");
    else
      report(counter, a,
             std::string("race: ") + verb(a.mode) + " " + where + " while " + path(x) + " " +
                 verb(x.mode) +
                 " it, and nothing orders the two (add a signal/wait or barrier "
                 "between them)");
  }

  // One report per pair of ops, however many chunks and references they share
  // (once the reports are full, further pairs are only counted).
  bool firstReport(const Access& x, const Access& a) {
    auto key =
        std::make_tuple(std::min(std::make_pair(x.rank, x.op), std::make_pair(a.rank, a.op)),
                        std::max(std::make_pair(x.rank, x.op), std::make_pair(a.rank, a.op)));
    return reported_.insert(key).second;
  }

  const Plan& p_;
  const HappensBefore& hb_;
  Diagnostics& d_;
  uint64_t comparisons_ = 0;
  size_t races_ = 0, doubles_ = 0, lifetimes_ = 0;
  std::set<std::tuple<std::pair<int, uint32_t>, std::pair<int, uint32_t>>> reported_;
};

// Packets written to a rank's scratch that the rank never reads: harmless to
// this call (flags), but wasted traffic and usually a mistake. `all` is
// sorted by owner (sweep() did it).
void checkUnreadPackets(const Plan& p, const std::vector<Access>& all, Diagnostics& d) {
  uint32_t chunks = p.bufferChunks(Buffer::Scratch);
  std::vector<int64_t> written, read;
  for (size_t begin = 0, end = 0; begin < all.size(); begin = end) {
    int owner = all[begin].owner;
    written.assign(chunks + 1, 0);
    read.assign(chunks + 1, 0);
    for (end = begin; end < all.size() && all[end].owner == owner; ++end) {
      const Access& a = all[end];
      if (!packet(a.mode)) continue;
      auto& diff = a.mode == AccessMode::PacketWrite ? written : read;
      ++diff[a.first];
      --diff[a.first + a.count];
    }
    int64_t w = 0, r = 0;
    for (uint32_t c = 0; c < chunks; ++c) {
      w += written[c];
      r += read[c];
      if (w > 0 && r == 0) {
        d.warning(p.path + "ranks[" + std::to_string(owner) + "]",
                  "packets written to scratch chunk " + std::to_string(c) + " are never read");
        break;
      }
    }
  }
}

}  // namespace

void checkRaces(const Plan& p, const HappensBefore& hb, std::vector<Access>& accesses,
                Diagnostics& d) {
  Checker checker(p, hb, d);
  for (const Access& a : accesses) checker.lifetime(a);
  checker.finishLifetimes();
  checker.sweep(accesses);
  if (p.protocol == Protocol::LL) checkUnreadPackets(p, accesses, d);
}

}  // namespace lccl::plan::detail
