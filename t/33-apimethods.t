#!/bin/sh
exec "${FA_BUILD:-build}/t/test_apimethods"
