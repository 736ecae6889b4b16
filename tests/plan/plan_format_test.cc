#include "plan/plan_format.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <unistd.h>

#include "common/error.h"

namespace acgs::plan {
namespace {

namespace fs = std::filesystem;

PlanHeader sample_header() {
  PlanHeader h;
  h.model_sha256 = std::string(64, 'a');
  h.precision = "fp16";
  h.max_batch = 64;
  h.max_seq = 128;
  h.gpu_name = "NVIDIA H100 80GB HBM3";
  h.cc_major = 9;
  h.cc_minor = 0;
  h.cuda_runtime_version = "13.0";
  h.cublaslt_version = "130000";
  h.driver_version = "580.159.04";
  h.created_unix = 1795000000;
  GemmAlgo a;
  a.gemm = "qkv";
  a.m = 128;
  a.n = 2304;
  a.k = 768;
  a.epilogue = 4;
  for (int i = 0; i < 8; ++i) a.algo[i] = 0x0102030405060708ULL * (i + 1);
  a.workspace_bytes = 1 << 20;
  a.time_us = 3.25f;
  h.algos = {a, a};
  h.algos[1].gemm = "ffn1";
  return h;
}

std::vector<uint8_t> sample_plan_bytes() {
  PlanWriter w(sample_header());
  std::vector<uint8_t> f16(2 * 3 * 2), f32(5 * 4);
  for (size_t i = 0; i < f16.size(); ++i) f16[i] = static_cast<uint8_t>(i * 7 + 1);
  for (size_t i = 0; i < f32.size(); ++i) f32[i] = static_cast<uint8_t>(255 - i);
  w.add_blob("layers.0.qkv_w", "f16", {2, 3}, f16);
  w.add_blob("emb_norm_g", "f32", {5}, f32);
  return w.serialize();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
    return e.what();
  }
  return "";
}

std::string parse_error(const std::vector<uint8_t>& bytes) {
  return error_of([&] { parse_plan(bytes, "'test.plan'"); });
}

uint64_t get_u64(const std::vector<uint8_t>& b, size_t at) {
  uint64_t v;
  std::memcpy(&v, b.data() + at, 8);
  return v;
}

// Recomputes the header checksum after a test edited the header section, so the parser's structural
// checks (not the checksum) must catch the damage.
void reseal_header(std::vector<uint8_t>& b) {
  const uint64_t hb = get_u64(b, 16);
  std::vector<uint8_t> covered(b.begin(), b.begin() + 32);
  covered.insert(covered.end(), b.begin() + kPlanPrefixBytes, b.begin() + kPlanPrefixBytes + hb);
  const uint64_t c = plan_checksum(covered);
  std::memcpy(b.data() + 32, &c, 8);
}

class TempDir {
 public:
  TempDir() : dir_(fs::temp_directory_path() / ("acgs_plan_test_" + std::to_string(::getpid()))) {
    fs::create_directories(dir_);
  }
  ~TempDir() { fs::remove_all(dir_); }
  fs::path file(const std::string& name) const { return dir_ / name; }

 private:
  fs::path dir_;
};

void write_bytes(const fs::path& p, const std::vector<uint8_t>& b) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

TEST(PlanFormat, RoundTripInMemory) {
  const auto bytes = sample_plan_bytes();
  ASSERT_EQ(std::memcmp(bytes.data(), "ACGSPLAN", 8), 0);
  const PlanData plan = parse_plan(bytes, "mem");
  const PlanHeader want = sample_header();
  const PlanHeader& got = plan.header;
  EXPECT_EQ(got.format_version, kPlanFormatVersion);
  EXPECT_EQ(got.model_sha256, want.model_sha256);
  EXPECT_EQ(got.precision, "fp16");
  EXPECT_EQ(got.max_batch, 64);
  EXPECT_EQ(got.max_seq, 128);
  EXPECT_EQ(got.gpu_name, want.gpu_name);
  EXPECT_EQ(got.cc_major, 9);
  EXPECT_EQ(got.cc_minor, 0);
  EXPECT_EQ(got.cuda_runtime_version, "13.0");
  EXPECT_EQ(got.cublaslt_version, "130000");
  EXPECT_EQ(got.driver_version, "580.159.04");
  EXPECT_EQ(got.created_unix, 1795000000);
  ASSERT_EQ(got.algos.size(), 2u);
  EXPECT_EQ(got.algos[1].gemm, "ffn1");
  EXPECT_EQ(got.algos[0].m, 128);
  EXPECT_EQ(got.algos[0].n, 2304);
  EXPECT_EQ(got.algos[0].k, 768);
  EXPECT_EQ(got.algos[0].epilogue, 4u);
  EXPECT_EQ(got.algos[0].algo, want.algos[0].algo);
  EXPECT_EQ(got.algos[0].workspace_bytes, 1u << 20);
  EXPECT_EQ(got.algos[0].time_us, 3.25f);
  ASSERT_EQ(got.blobs.size(), 2u);
  const BlobInfo& q = find_blob(got, "layers.0.qkv_w");
  EXPECT_EQ(q.dtype, "f16");
  EXPECT_EQ(q.shape, (std::vector<int64_t>{2, 3}));
  const BlobInfo& g = find_blob(got, "emb_norm_g");
  EXPECT_EQ(g.offset % kPlanAlignment, 0u);
  const auto qb = blob_bytes(plan, q);
  for (size_t i = 0; i < qb.size(); ++i) EXPECT_EQ(qb[i], static_cast<uint8_t>(i * 7 + 1));
  const auto gb = blob_bytes(plan, g);
  for (size_t i = 0; i < gb.size(); ++i) EXPECT_EQ(gb[i], static_cast<uint8_t>(255 - i));
  EXPECT_NE(error_of([&] { find_blob(got, "nope"); }).find("no weight blob 'nope'"), std::string::npos);
  // The payload starts aligned in the file, so a mapped plan's blobs are aligned in memory too.
  EXPECT_EQ((bytes.size() - plan.payload.size()) % kPlanAlignment, 0u);
}

TEST(PlanFormat, RoundTripThroughFile) {
  TempDir tmp;
  const auto path = tmp.file("a.plan");
  PlanWriter w(sample_header());
  const std::vector<uint8_t> blob(4 * 7, 9);
  w.add_blob("x", "f32", {7}, blob);
  w.write(path);
  EXPECT_EQ(fs::file_size(path), w.serialize().size());
  const PlanHeader h = read_plan_header(path);
  EXPECT_EQ(h.gpu_name, "NVIDIA H100 80GB HBM3");
  const PlanData d = read_plan_file(path);
  EXPECT_EQ(blob_bytes(d, find_blob(d.header, "x")).size(), blob.size());
  const PlanCheck c = check_plan(path, {});
  EXPECT_TRUE(c.valid) << c.reason;
  EXPECT_TRUE(c.header_ok);
  for (const auto& e : fs::directory_iterator(tmp.file("")))
    EXPECT_EQ(e.path().filename(), "a.plan") << "temporary file left behind";
}

TEST(PlanFormat, StreamedChecksumEqualsOneShot) {
  std::vector<uint8_t> big(10'000'019);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
  PlanWriter w(sample_header());
  w.add_blob("big", "u8", {static_cast<int64_t>(big.size())}, big);
  TempDir tmp;
  w.write(tmp.file("big.plan"));
  EXPECT_NO_THROW(read_plan_header(tmp.file("big.plan"), true));  // streams the payload in 4 MiB chunks
  EXPECT_NE(plan_checksum(big), plan_checksum(std::span<const uint8_t>(big).first(big.size() - 1)));
}

TEST(PlanFormat, ChecksumSeesHighBitFlipsInTwoWords) {
  std::vector<uint8_t> a(64, 0x11), b = a;
  b[7] ^= 0x80;
  b[15] ^= 0x80;
  EXPECT_NE(plan_checksum(a), plan_checksum(b));
}

TEST(PlanFormat, BadMagic) {
  auto b = sample_plan_bytes();
  b[0] = 'X';
  EXPECT_NE(parse_error(b).find("magic"), std::string::npos);
}

TEST(PlanFormat, WrongVersion) {
  auto b = sample_plan_bytes();
  b[8] = 2;
  const std::string e = parse_error(b);
  EXPECT_NE(e.find("format version 2"), std::string::npos) << e;
  EXPECT_NE(e.find("acgs-infer optimize"), std::string::npos) << e;
}

TEST(PlanFormat, Truncated) {
  const auto full = sample_plan_bytes();
  for (size_t keep : {size_t{0}, size_t{7}, size_t{40}, size_t{64}, size_t{100}, full.size() - 1}) {
    std::vector<uint8_t> b(full.begin(), full.begin() + keep);
    EXPECT_FALSE(parse_error(b).empty()) << "kept " << keep;
  }
  auto longer = full;
  longer.push_back(0);
  EXPECT_NE(parse_error(longer).find("truncated or corrupt"), std::string::npos);
}

TEST(PlanFormat, CorruptHeaderSection) {
  auto b = sample_plan_bytes();
  b[kPlanPrefixBytes + 70] ^= 0x01;  // inside the model hash
  EXPECT_NE(parse_error(b).find("header checksum mismatch"), std::string::npos);
  auto c = sample_plan_bytes();
  c[20] ^= 0x40;  // header_bytes: the size check or the checksum must notice
  EXPECT_FALSE(parse_error(c).empty());
}

TEST(PlanFormat, CorruptPayload) {
  auto b = sample_plan_bytes();
  b[b.size() - 3] ^= 0x10;
  EXPECT_NE(parse_error(b).find("payload checksum mismatch"), std::string::npos);
  EXPECT_NO_THROW(parse_plan_header(b, "mem", /*verify_payload=*/false));
  TempDir tmp;
  write_bytes(tmp.file("p.plan"), b);
  const PlanCheck c = check_plan(tmp.file("p.plan"), {});
  EXPECT_FALSE(c.valid);
  EXPECT_FALSE(c.header_ok);
  EXPECT_NE(c.reason.find("payload checksum mismatch"), std::string::npos);
  PlanExpect quick;
  quick.verify_payload = false;
  EXPECT_TRUE(check_plan(tmp.file("p.plan"), quick).valid);
}

TEST(PlanFormat, BlobOutsidePayloadWithValidChecksum) {
  auto b = sample_plan_bytes();
  const uint64_t hb = get_u64(b, 16);
  // The last blob's length field is the header section's last 8 bytes.
  const uint64_t huge = uint64_t{1} << 40;
  std::memcpy(b.data() + kPlanPrefixBytes + hb - 8, &huge, 8);
  reseal_header(b);
  EXPECT_NE(parse_error(b).find("does not match its shape"), std::string::npos);
  // Offset past the end with a consistent length.
  auto c = sample_plan_bytes();
  const uint64_t far = uint64_t{1} << 30;
  std::memcpy(c.data() + kPlanPrefixBytes + hb - 16, &far, 8);
  reseal_header(c);
  EXPECT_NE(parse_error(c).find("outside the payload"), std::string::npos);
}

TEST(PlanFormat, HostileStringLength) {
  auto b = sample_plan_bytes();
  const uint32_t n = 0xfffffff0u;
  std::memcpy(b.data() + kPlanPrefixBytes, &n, 4);  // model_sha256 length
  reseal_header(b);
  EXPECT_NE(parse_error(b).find("model_sha256"), std::string::npos);
}

TEST(PlanFormat, MissingFile) {
  const PlanCheck c = check_plan("/nonexistent/x.plan", {});
  EXPECT_FALSE(c.valid);
  EXPECT_NE(c.reason.find("does not exist"), std::string::npos);
}

TEST(PlanFormat, StaleOrForeignPlan) {
  TempDir tmp;
  const auto path = tmp.file("s.plan");
  write_bytes(path, sample_plan_bytes());
  const auto reason = [&](const std::function<void(PlanExpect&)>& edit) {
    PlanExpect e;
    e.model_sha256 = std::string(64, 'a');
    e.precision = "fp16";
    e.gpu_name = "NVIDIA H100 80GB HBM3";
    e.cc_major = 9;
    e.cc_minor = 0;
    e.max_batch = 64;
    e.max_seq = 128;
    edit(e);
    const PlanCheck c = check_plan(path, e);
    EXPECT_TRUE(c.header_ok);
    EXPECT_EQ(c.valid, c.reason.empty());
    return c.reason;
  };
  EXPECT_EQ(reason([](PlanExpect&) {}), "");
  EXPECT_NE(reason([](PlanExpect& e) { e.model_sha256 = std::string(64, 'b'); }).find("model changed"),
            std::string::npos);
  EXPECT_NE(reason([](PlanExpect& e) { e.gpu_name = "NVIDIA A100-SXM4-80GB"; }).find("built for GPU"),
            std::string::npos);
  EXPECT_NE(reason([](PlanExpect& e) { e.cc_major = 8; }).find("compute capability 9.0"), std::string::npos);
  EXPECT_NE(reason([](PlanExpect& e) { e.precision = "fp32"; }).find("precision"), std::string::npos);
  EXPECT_NE(reason([](PlanExpect& e) { e.max_batch = 128; }).find("batches up to 64"), std::string::npos);
  EXPECT_NE(reason([](PlanExpect& e) { e.max_seq = 512; }).find("up to 128 tokens"), std::string::npos);
}

TEST(PlanFormat, WriterRejectsMismatchedBlob) {
  PlanWriter w(sample_header());
  const std::vector<uint8_t> three(3);
  EXPECT_THROW(w.add_blob("a", "f32", {1}, three), Error);
  EXPECT_THROW(w.add_blob("a", "q4", {3}, three), Error);
  w.add_blob("a", "u8", {3}, three);
  EXPECT_THROW(w.add_blob("a", "u8", {3}, three), Error);
}

}  // namespace
}  // namespace acgs::plan
