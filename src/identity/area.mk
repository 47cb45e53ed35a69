# identity area: Google's libphonenumber (C++) through the extern "C" shim in
# src/identity/phone_shim.cpp, hence the C++ runtime too.
SHLIB_LINK += -lphonenumber -lstdc++
