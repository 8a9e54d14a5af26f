// Request signing against the venue's documented examples (rest-api.md and web-socket-api.md,
// "SIGNED ... example") and an Ed25519 signature made independently with the openssl CLI.

#include <gtest/gtest.h>

#include <string>

#include "query_string.hpp"
#include "request_signer.hpp"

namespace smoops::binance {
namespace {

constexpr const char* kDocSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

// A throwaway key made for this test with `openssl genpkey -algorithm ed25519`.
constexpr const char* kEd25519Pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIHThmw87A10mwIKd9/S1zWiBnB4WShWOIyRgH3r3f9ts\n"
    "-----END PRIVATE KEY-----\n";

TEST(RequestSigner, HmacReproducesTheRestApiExample) {
  const RequestSigner signer("hmac", kDocSecret, "doc");
  // The query string is built the way the connector builds it, then signed.
  QueryString q;
  q.add("symbol", "LTCBTC").add("side", "BUY").add("type", "LIMIT").add("timeInForce", "GTC");
  q.add("quantity", "1").add("price", "0.1").add("recvWindow", 5000LL).add("timestamp", 1499827319559LL);
  EXPECT_EQ(q.str(), "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559");
  EXPECT_EQ(signer.sign(q.str()), "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

TEST(RequestSigner, HmacOfPercentEncodedNonAsciiSymbolMatchesTheExample) {
  const RequestSigner signer("hmac", kDocSecret, "doc");
  QueryString q;
  q.add("symbol", "１２３４５６").add("side", "BUY").add("type", "LIMIT").add("timeInForce", "GTC");
  q.add("quantity", "1").add("price", "0.1").add("recvWindow", 5000LL).add("timestamp", 1499827319559LL);
  EXPECT_EQ(signer.sign(q.str()), "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3");
}

TEST(RequestSigner, HmacReproducesTheWebSocketApiExample) {
  const RequestSigner signer("hmac", kDocSecret, "doc");
  EXPECT_EQ(signer.sign("apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00&"
                        "quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&"
                        "timestamp=1645423376532&type=LIMIT"),
            "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24");
}

TEST(RequestSigner, Ed25519MatchesOpensslCli) {
  const RequestSigner signer("ed25519", kEd25519Pem, "ed");
  // printf '%s' PAYLOAD | openssl pkeyutl -sign -inkey ed.pem -rawin | base64 -w0
  EXPECT_EQ(signer.sign("symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2&"
                        "timestamp=1668481559918&recvWindow=5000"),
            "XpXC2660mnbSPjjDO62V+wE13O/B4SvRFY13v25zxgq0QpAiII8ETLbMwCxmX/fa/qhx2J3bEGfaqvQZWAouDA==");
}

// The message of the invalid_argument that constructing a signer throws.
std::string refusal(const char* type, const char* secret) {
  try {
    RequestSigner signer(type, secret, "main-account");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected std::invalid_argument";
  return {};
}

TEST(RequestSigner, RefusalsNameTheCredentialsButNeverShowTheSecret) {
  const std::string bad_type = refusal("rsa", "s3cr3t-value-1234");
  EXPECT_NE(bad_type.find("'main-account'"), std::string::npos) << bad_type;
  EXPECT_NE(bad_type.find("'rsa'"), std::string::npos) << bad_type;
  EXPECT_EQ(bad_type.find("s3cr3t"), std::string::npos) << bad_type;
  const std::string bad_pem = refusal("ed25519", "-----BEGIN PRIVATE KEY-----\ns3cr3tgarbage\n-----END PRIVATE KEY-----\n");
  EXPECT_NE(bad_pem.find("Ed25519"), std::string::npos) << bad_pem;
  EXPECT_EQ(bad_pem.find("s3cr3t"), std::string::npos) << bad_pem;
  EXPECT_NE(refusal("hmac", "").find("empty"), std::string::npos);
}

TEST(QueryString, PercentEncodesReservedCharactersOfValues) {
  QueryString q;
  q.add("signature", "a+b/c=").add("id", "bot-1_x.y~z");
  EXPECT_EQ(q.str(), "signature=a%2Bb%2Fc%3D&id=bot-1_x.y~z");
}

}  // namespace
}  // namespace smoops::binance
