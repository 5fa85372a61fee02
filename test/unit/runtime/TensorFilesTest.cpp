//===- TensorFilesTest.cpp - .npy and .safetensors reading and writing ----===//
#include "runtime/Checkpoint.h"
#include "runtime/FileRead.h"
#include "runtime/FileWrite.h"
#include "runtime/Npy.h"
#include "runtime/Safetensors.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace qtc;

namespace {

std::string tempPath(const char *name) {
  return testing::TempDir() + "qtc_" + std::to_string(getpid()) + "_" + name;
}

HostTensor iota(DType dtype, Shape shape) {
  HostTensor t(dtype, std::move(shape));
  for (size_t i = 0; i < t.bytes.size(); ++i)
    t.bytes[i] = static_cast<uint8_t>(i * 7 + 1);
  return t;
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(NpyTest, RoundTripsEveryDType) {
  for (DType dtype : {DType::F32, DType::F16, DType::I8, DType::U8, DType::I32,
                      DType::I64, DType::U16, DType::F64, DType::Bool})
    for (Shape shape : {Shape{}, Shape{5}, Shape{2, 3}, Shape{2, 1, 4}}) {
      std::string path = tempPath("round.npy");
      HostTensor t = iota(dtype, shape);
      ASSERT_TRUE(writeNpy(path, t).ok());
      HostTensor back;
      Status status = readNpy(path, back);
      ASSERT_TRUE(status.ok()) << status.message();
      EXPECT_EQ(back.dtype, dtype);
      EXPECT_EQ(back.shape, shape);
      EXPECT_EQ(back.bytes, t.bytes);
      std::remove(path.c_str());
    }
}

TEST(NpyTest, Bf16IsWrittenAsUint16) {
  std::string path = tempPath("bf16.npy");
  ASSERT_TRUE(writeNpy(path, iota(DType::BF16, {3})).ok());
  HostTensor back;
  ASSERT_TRUE(readNpy(path, back).ok());
  EXPECT_EQ(back.dtype, DType::U16);
  std::remove(path.c_str());
}

TEST(NpyTest, ReadsNumPyHeaders) {
  // Header as numpy 1.x writes it for np.zeros((2, 3), np.float32).
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  header.append(117 - header.size(), ' '); // 10 + 117 + 1 = 128
  header += '\n';
  std::string file = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + header +
                     std::string(24, '\0');
  std::string path = tempPath("numpy.npy");
  writeBytes(path, file);
  HostTensor t;
  Status status = readNpy(path, t);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(t.shape, (Shape{2, 3}));
  EXPECT_EQ(t.dtype, DType::F32);
  std::remove(path.c_str());
}

TEST(NpyTest, RejectsBadFilesWithReasons) {
  std::string path = tempPath("bad.npy");
  HostTensor t;
  auto expectError = [&](const std::string &bytes, const char *reason) {
    writeBytes(path, bytes);
    Status status = readNpy(path, t);
    ASSERT_FALSE(status.ok()) << reason;
    EXPECT_NE(status.message().find(reason), std::string::npos)
        << status.message();
  };
  expectError("not numpy at all", "magic");
  ASSERT_TRUE(writeNpy(path, iota(DType::F32, {4, 4})).ok());
  std::ifstream in(path, std::ios::binary);
  std::string good((std::istreambuf_iterator<char>(in)), {});
  expectError(good.substr(0, good.size() - 3), "truncated data");
  expectError(good + "xx", "trailing data");
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  expectError(fortran, "Fortran");
  std::string bigEndian = good;
  bigEndian.replace(bigEndian.find("<f4"), 3, ">f4");
  expectError(bigEndian, "unsupported dtype");
  std::string objects = good;
  objects.replace(objects.find("<f4"), 3, "|O8");
  expectError(objects, "unsupported dtype");
  EXPECT_FALSE(readNpy(tempPath("missing.npy"), t).ok());
  std::remove(path.c_str());
}

/// A version 1.0 .npy file with `header` (padded as numpy pads it) and
/// `dataBytes` zero bytes of data.
std::string npyFile(std::string header, size_t dataBytes) {
  size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string length = {static_cast<char>(header.size() & 0xff),
                        static_cast<char>(header.size() >> 8)};
  return std::string("\x93NUMPY\x01\x00", 8) + length + header +
         std::string(dataBytes, '\0');
}

TEST(NpyTest, ParsesTheHeaderAsADictionary) {
  auto parse = [](const std::string &file, HostTensor &t) {
    return parseNpy(reinterpret_cast<const uint8_t *>(file.data()),
                    file.size(), t);
  };
  // What numpy also writes or reads: any key order, double quotes, no
  // trailing comma, a scalar's empty tuple, '|' for one-byte types.
  HostTensor t;
  Status status = parse(npyFile("{\"shape\": (3,), \"fortran_order\": False, "
                                "\"descr\": \"<i2\"}",
                                6),
                        t);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(t.dtype, DType::I16);
  EXPECT_EQ(t.shape, (Shape{3}));
  status = parse(npyFile("{'descr':'|u1','fortran_order':False,'shape':()}", 1),
                 t);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(t.shape, Shape{});

  auto expectError = [&](const std::string &header, size_t dataBytes,
                         const char *reason) {
    HostTensor u;
    Status status = parse(npyFile(header, dataBytes), u);
    ASSERT_FALSE(status.ok()) << header;
    EXPECT_NE(status.message().find(reason), std::string::npos)
        << header << ": " << status.message();
  };
  // numpy takes the last of two 'descr'; a substring scan took the first.
  expectError("{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, "
              "'shape': (2,), }",
              16, "repeats the key 'descr'");
  expectError("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), "
              "'x': 1}",
              8, "unexpected key 'x'");
  // 'shape' inside another string is not the shape.
  expectError("{'descr': '<f4', 'fortran_order': False, "
              "'shapes': 'shape': (2,)}",
              8, "unexpected key 'shapes'");
  expectError("{'descr': '<f4', 'fortran_order': False}", 0, "no 'shape'");
  // 4 * 1048577 * 1099510579201 * 4 bytes is 16 modulo 2^64.
  expectError("{'descr': '<f4', 'fortran_order': False, "
              "'shape': (4, 1048577, 1099510579201), }",
              16, "more bytes than 64 bits count");
  expectError("{'descr': '<f4', 'fortran_order': False, "
              "'shape': (99999999999999999999,), }",
              0, "beyond 64 bits");
  expectError("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, -4), }",
              16, "negative dimension");
  expectError("{'descr': '<f4', 'fortran_order': False, 'shape': (4), }", 16,
              "',' after the only dimension");
  expectError("{'descr': '<f4', 'fortran_order': 0, 'shape': (4,), }", 16,
              "True or False");
  expectError("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), } x",
              16, "text after its dictionary");
  expectError("{'descr': '<f4', 'fortran_order': False, 'shape': (4,", 16,
              "malformed");
}

TEST(NpyTest, RefusesToWriteAShapeItsBytesDoNotHold) {
  HostTensor t = iota(DType::F32, {2, 2});
  t.shape = {int64_t(1) << 32, int64_t(1) << 32}; // 2^64 elements wrap to 0
  Status status = writeNpy(tempPath("wrap.npy"), t);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("has no size"), std::string::npos)
      << status.message();
  t.shape = {3};
  status = writeNpy(tempPath("short.npy"), t);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("needs 12 bytes, the tensor has 16"),
            std::string::npos)
      << status.message();
}

TEST(FileReadTest, ReadsRegularFilesUpToTheirLimit) {
  std::string path = tempPath("small.bin"), bytes;
  writeBytes(path, std::string("abc\0def", 7));
  ASSERT_TRUE(readRegularFile(path, 7, bytes).ok());
  EXPECT_EQ(bytes, std::string("abc\0def", 7));
  Status status = readRegularFile(path, 6, bytes);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("7 bytes, more than the 6"),
            std::string::npos)
      << status.message();
  // A directory or a device is never read (/dev/zero would never end).
  for (std::string notFile : {testing::TempDir(), std::string("/dev/zero")}) {
    status = readRegularFile(notFile, 1 << 20, bytes);
    ASSERT_FALSE(status.ok()) << notFile;
    EXPECT_NE(status.message().find("not a regular file"), std::string::npos)
        << status.message();
    HostTensor t;
    EXPECT_FALSE(readNpy(notFile, t).ok()) << notFile;
  }
  nlohmann::json json;
  writeBytes(path, "[1, 2]");
  status = readJsonObject(path, "config", json);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("is not a valid config: not a JSON object"),
            std::string::npos)
      << status.message();
  writeBytes(path, "{\"a\": 1}");
  ASSERT_TRUE(readJsonObject(path, "config", json).ok());
  EXPECT_EQ(json["a"], 1);
  std::remove(path.c_str());
}

TEST(FileWriteTest, AFailedSetLeavesNothingBehind) {
  namespace fs = std::filesystem;
  std::string dir = tempPath("outputs");
  fs::remove_all(dir);
  auto bytes = [](std::string text) {
    return [text](const std::string &path) {
      return writeFileAtomically(path, {{text.data(), text.size()}});
    };
  };
  // The second file fails: neither lands, and no staging folder remains.
  Status status = writeOutputFolder(
      dir,
      {{"a.txt", bytes("first")},
       {"b.txt", [](const std::string &) {
          return Status::error("disk full");
        }}},
      "test");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(), "disk full");
  ASSERT_TRUE(fs::is_directory(dir));
  EXPECT_TRUE(fs::is_empty(dir));
  // Then both land, replacing nothing else.
  ASSERT_TRUE(writeOutputFolder(dir, {{"a.txt", bytes("first")},
                                      {"b.txt", bytes("second")}},
                                "test")
                  .ok());
  std::string a;
  ASSERT_TRUE(readRegularFile(dir + "/a.txt", 100, a).ok());
  EXPECT_EQ(a, "first");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), {}), 2);
  // An empty name, or a file where the folder should be, is refused.
  EXPECT_FALSE(createOutputFolder("").ok());
  EXPECT_FALSE(createOutputFolder(dir + "/a.txt").ok());
  // A write into a missing folder fails and leaves no temporary.
  EXPECT_FALSE(writeFileAtomically(dir + "/missing/c.txt", {}).ok());
  fs::remove_all(dir);
}

TEST(SafetensorsTest, RoundTripsAndChecksOffsets) {
  std::string path = tempPath("w.safetensors");
  TensorMap tensors;
  tensors["a.codes"] = iota(DType::I8, {4, 8});
  tensors["b"] = iota(DType::BF16, {3});
  tensors["c"] = iota(DType::F32, {2, 2});
  ASSERT_TRUE(writeSafetensors(path, tensors).ok());
  TensorMap back;
  Status status = readSafetensors(path, back);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back["b"].dtype, DType::BF16);
  EXPECT_EQ(back["a.codes"].bytes, tensors["a.codes"].bytes);
  EXPECT_EQ(back["c"].shape, (Shape{2, 2}));

  std::ifstream in(path, std::ios::binary);
  std::string good((std::istreambuf_iterator<char>(in)), {});
  writeBytes(path, good.substr(0, good.size() - 4));
  status = readSafetensors(path, back);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("truncated"), std::string::npos)
      << status.message();
  std::string wrongShape = good;
  wrongShape.replace(wrongShape.find("[2,2]"), 5, "[2,3]");
  writeBytes(path, wrongShape);
  status = readSafetensors(path, back);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("do not hold shape [2, 3]"),
            std::string::npos)
      << status.message();
  writeBytes(path, std::string("\xff\xff\xff\x00\x00\x00\x00\x00{}", 10));
  EXPECT_FALSE(readSafetensors(path, back).ok());
  writeBytes(path, std::string("\x02\x00\x00\x00\x00\x00\x00\x00[]", 10));
  EXPECT_FALSE(readSafetensors(path, back).ok());
  std::remove(path.c_str());
}

TEST(SafetensorsTest, RefusesOverflowingShapesAndDirectories) {
  std::string path = tempPath("huge.safetensors");
  // 2^32 x 2^32 x 4 bytes overflows size_t: refused, not wrapped to 0.
  std::string header =
      "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
      "\"data_offsets\":[0,0]}}";
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(header.size());
  writeBytes(path, bytes + header);
  TensorMap back;
  Status status = readSafetensors(path, back);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("size overflows"), std::string::npos)
      << status.message();
  status = readSafetensors(testing::TempDir(), back);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("not a regular file"), std::string::npos)
      << status.message();
  std::remove(path.c_str());
}

TEST(SafetensorsTest, WritesThroughATemporaryFile) {
  // The previous file survives until the new one is complete; no temporary
  // is left behind.
  std::string path = tempPath("atomic.safetensors");
  TensorMap first, second;
  first["x"] = iota(DType::F32, {2});
  second["y"] = iota(DType::I8, {3});
  ASSERT_TRUE(writeSafetensors(path, first).ok());
  ASSERT_TRUE(writeSafetensors(path, second).ok());
  TensorMap back;
  ASSERT_TRUE(readSafetensors(path, back).ok());
  EXPECT_EQ(back.count("x"), 0u);
  EXPECT_EQ(back.count("y"), 1u);
  EXPECT_FALSE(
      std::ifstream(path + ".tmp." + std::to_string(getpid())).good());
  EXPECT_FALSE(writeSafetensors(tempPath("no/such/dir/w.safetensors"), first)
                   .ok());
  std::remove(path.c_str());
}

TEST(CheckpointTest, ReadsOneTensorAndRefusesDuplicates) {
  std::string a = tempPath("a.safetensors"), b = tempPath("b.safetensors");
  TensorMap ta, tb;
  ta["w"] = iota(DType::BF16, {4, 2});
  ta["v"] = iota(DType::F32, {3});
  tb["w"] = iota(DType::F32, {1});
  ASSERT_TRUE(writeSafetensors(a, ta).ok());
  ASSERT_TRUE(writeSafetensors(b, tb).ok());
  Checkpoint checkpoint;
  ASSERT_TRUE(checkpoint.add(a).ok());
  const SafetensorsEntry *entry = checkpoint.find("w");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->dtype, DType::BF16);
  EXPECT_EQ(entry->shape, (Shape{4, 2}));
  HostTensor w;
  ASSERT_TRUE(checkpoint.read("w", w).ok());
  EXPECT_EQ(w.bytes, ta["w"].bytes);
  EXPECT_FALSE(checkpoint.read("nope", w).ok());
  Status status = checkpoint.add(b);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("tensor 'w' is in both"), std::string::npos)
      << status.message();
  std::remove(a.c_str());
  std::remove(b.c_str());
}

TEST(CheckpointTest, ChecksTheIndexAgainstItsShards) {
  std::string dir = testing::TempDir();
  std::string shard = "qtc_" + std::to_string(getpid()) + "_shard.safetensors";
  TensorMap t;
  t["w"] = iota(DType::F32, {2});
  t["stray"] = iota(DType::F32, {1});
  ASSERT_TRUE(writeSafetensors(dir + "/" + shard, t).ok());
  std::string index = tempPath("model.safetensors.index.json");
  writeBytes(index, "{\"weight_map\": {\"w\": \"" + shard + "\"}}");
  Checkpoint checkpoint;
  Status status = checkpoint.add(index);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("holds 'stray', which the weight_map does "
                                  "not list there"),
            std::string::npos)
      << status.message();
  writeBytes(index, "{\"weight_map\": {\"w\": \"" + shard +
                        "\", \"stray\": \"" + shard + "\"}}");
  Checkpoint good;
  status = good.add(index);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(good.names(), (std::vector<std::string>{"stray", "w"}));
  std::remove(index.c_str());
  std::remove((dir + "/" + shard).c_str());
}

} // namespace
