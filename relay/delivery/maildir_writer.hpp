// The embedded default destination (`downstream.maildir`): each copy becomes one
// file in PATH/new, written to PATH/tmp first, fsynced, then renamed, so a
// reader never sees a partial file and an acknowledged copy survives a crash
// (the maildir protocol, as qmail and Dovecot use it). The copy gets
// Return-Path and Delivered-To headers like any local delivery agent adds.
#pragma once

#include <filesystem>

#include "relay/delivery/destination.hpp"

namespace kizuna::delivery {

class maildir_writer final : public destination {
 public:
  // Creates PATH/{tmp,new,cur} if missing; throws std::runtime_error if it cannot.
  explicit maildir_writer(std::filesystem::path dir);
  boost::asio::awaitable<smtp::reply> send(const smtp::envelope& env, const std::string& recipient,
                                           const wire_copy& copy, commit_gate* gate) override;
  boost::asio::awaitable<void> close() override { co_return; }

 private:
  std::filesystem::path dir_;
};

}  // namespace kizuna::delivery
