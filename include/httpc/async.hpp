#pragma once
/// \file
/// The coroutine API in one include: the core (one connection, plain or TLS;
/// httpc/connection.hpp; either behind one handle, httpc/any_connection.hpp)
/// and the pool over it (httpc/pool.hpp).

#include "httpc/any_connection.hpp"
#include "httpc/connection.hpp"
#include "httpc/pool.hpp"
