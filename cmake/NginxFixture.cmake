# The CTest fixture `nginx`: a real nginx on loopback for integration tests,
# over HTTP, HTTPS, HTTPS that requires a client certificate, and HTTPS with
# a certificate from a CA the tests do not trust. test/support/nginx_fixture.sh
# does the work (read it for the locations served); test/support/nginx.hpp is
# how a test finds the ports and files.
#
# httpc_use_nginx(<test>...)
#   Makes each CTest test <test> (as registered by httpc_add_test: the module
#   name, without _test) require the fixture: CTest starts nginx before the
#   first such test and stops it after the last, also when a test fails. The
#   tests get the label `nginx` and the environment
#     HTTPC_NGINX_DIR          the fixture's directory; its fixture.env holds
#                              the ports, which are chosen when nginx starts:
#                              HTTPC_NGINX_{HTTP,HTTPS,MTLS,UNTRUSTED}_PORT
#     HTTPC_NGINX_ROOT         the served files: small, 64k, 16m
#     HTTPC_TEST_CA            the CA that signs the server and client certs
#     HTTPC_TEST_UNTRUSTED_CA  the CA of the UNTRUSTED port's certificate
#     HTTPC_TEST_CLIENT_CERT   a client certificate (PEM) signed by the CA,
#     HTTPC_TEST_CLIENT_KEY    and its key
#   A name that is no test (its source file does not exist yet) is skipped.
#
# The fixture itself is two tests, nginx_setup and nginx_cleanup, added by
# the first call. Its files are in ${PROJECT_BINARY_DIR}/test/nginx.

include_guard(GLOBAL)

find_program(HTTPC_NGINX_EXECUTABLE nginx
  PATHS /usr/sbin /usr/local/sbin /usr/local/nginx/sbin
  DOC "nginx, for the integration tests' server (Debian: nginx, libnginx-mod-http-echo)")
find_program(HTTPC_BASH_EXECUTABLE bash DOC "bash, which runs the nginx fixture's script")
if(NOT HTTPC_NGINX_EXECUTABLE)
  message(STATUS "httpc: nginx not found; the tests that need it will fail "
    "in nginx_setup (scripts/bootstrap installs it)")
endif()

# Global properties rather than variables: the functions may be called from
# any directory, and this file is included once.
set_property(GLOBAL PROPERTY HTTPC_NGINX_FIXTURE_DIR "${PROJECT_BINARY_DIR}/test/nginx")
set_property(GLOBAL PROPERTY HTTPC_NGINX_FIXTURE_SCRIPT
  "${PROJECT_SOURCE_DIR}/test/support/nginx_fixture.sh")

function(_httpc_add_nginx_fixture)
  get_property(added GLOBAL PROPERTY HTTPC_NGINX_FIXTURE_ADDED)
  if(added)
    return()
  endif()
  set_property(GLOBAL PROPERTY HTTPC_NGINX_FIXTURE_ADDED TRUE)
  get_property(dir GLOBAL PROPERTY HTTPC_NGINX_FIXTURE_DIR)
  get_property(script GLOBAL PROPERTY HTTPC_NGINX_FIXTURE_SCRIPT)

  if(HTTPC_BASH_EXECUTABLE)
    set(bash "${HTTPC_BASH_EXECUTABLE}")
  else()
    set(bash bash)
  endif()
  # An empty NGINX lets the script search for it, and fail with a hint.
  if(HTTPC_NGINX_EXECUTABLE)
    set(nginx "${HTTPC_NGINX_EXECUTABLE}")
  else()
    set(nginx "")
  endif()

  add_test(NAME nginx_setup
    COMMAND "${bash}" "${script}" start "${dir}" "${nginx}")
  add_test(NAME nginx_cleanup
    COMMAND "${bash}" "${script}" stop "${dir}")
  # nginx's bind() retries for 2.5 s on a taken port, and the setup may try
  # a few ports; it normally takes well under a second.
  set_tests_properties(nginx_setup PROPERTIES
    FIXTURES_SETUP nginx
    TIMEOUT 120
    LABELS nginx)
  set_tests_properties(nginx_cleanup PROPERTIES
    FIXTURES_CLEANUP nginx
    TIMEOUT 60
    LABELS nginx)
endfunction()

function(httpc_use_nginx)
  _httpc_add_nginx_fixture()
  get_property(dir GLOBAL PROPERTY HTTPC_NGINX_FIXTURE_DIR)
  foreach(test IN LISTS ARGN)
    if(NOT TEST "${test}")
      continue()
    endif()
    set_property(TEST "${test}" APPEND PROPERTY FIXTURES_REQUIRED nginx)
    set_property(TEST "${test}" APPEND PROPERTY LABELS nginx)
    set_property(TEST "${test}" APPEND PROPERTY ENVIRONMENT
      "HTTPC_NGINX_DIR=${dir}"
      "HTTPC_NGINX_ROOT=${dir}/root"
      "HTTPC_TEST_CA=${dir}/pki/ca.pem"
      "HTTPC_TEST_UNTRUSTED_CA=${dir}/pki/untrusted-ca.pem"
      "HTTPC_TEST_CLIENT_CERT=${dir}/pki/client.pem"
      "HTTPC_TEST_CLIENT_KEY=${dir}/pki/client.key")
  endforeach()
endfunction()
