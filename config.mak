# written by ./configure 
ARCH=x86_64
CROSS_PREFIX=
PROCESSOR=x86-64
GUEST_CC_NAME=gcc
HOST_CC=cc
