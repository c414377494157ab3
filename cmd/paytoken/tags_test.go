//go:build !providers

package main

const buildTags = ""
