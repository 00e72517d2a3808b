-- SPDX-License-Identifier: MIT
-- Wireshark/tshark dissector for kucdump captures (kucdump -w): pcap
-- link type LINKTYPE_USER0 (147), each packet a 48-byte big-endian
-- pseudo-header then the captured message data (layout in kucdump(8)
-- and tools/kucdump/pcap.c).
--
--   tshark -X lua_script:tools/kucdump/kucomms.lua -r capture.pcap \
--          -T fields -e kucomms.dir -e kucomms.conn -e kucomms.type ...
--
-- make install puts it where Wireshark loads Lua plugins.

local kuc = Proto("kucomms", "kucomms message")

local dirs = { [0] = "u2k", [1] = "k2u" }

local f = kuc.fields
f.version = ProtoField.uint8("kucomms.version", "Pseudo-header version")
f.dir = ProtoField.uint8("kucomms.dir", "Direction", base.DEC, dirs)
f.hdrlen = ProtoField.uint16("kucomms.hdrlen", "Pseudo-header length")
local kinds = { [0] = "device", [1] = "shm" }
f.kind = ProtoField.uint8("kucomms.kind", "Channel kind", base.DEC, kinds)
f.conn = ProtoField.uint64("kucomms.conn", "Connection")
f.length = ProtoField.uint64("kucomms.length", "Length")
f.type = ProtoField.uint64("kucomms.type", "Type")
f.id = ProtoField.uint64("kucomms.id", "Id")
f.value = ProtoField.uint64("kucomms.value", "Value")
f.data = ProtoField.bytes("kucomms.data", "Data")
f.caplen = ProtoField.uint32("kucomms.caplen", "Captured data bytes")

function kuc.dissector(buf, pinfo, tree)
	if buf:len() < 48 then
		return 0
	end
	local hlen = buf(2, 2):uint()
	if hlen < 48 or hlen > buf:len() then
		return 0
	end
	pinfo.cols.protocol = "kucomms"
	local t = tree:add(kuc, buf(), "kucomms message")
	t:add(f.version, buf(0, 1))
	t:add(f.dir, buf(1, 1))
	t:add(f.hdrlen, buf(2, 2))
	t:add(f.kind, buf(4, 1))
	t:add(f.conn, buf(8, 8))
	t:add(f.length, buf(16, 8))
	t:add(f.type, buf(24, 8))
	t:add(f.id, buf(32, 8))
	t:add(f.value, buf(40, 8))
	local caplen = buf:len() - hlen
	t:add(f.caplen, caplen):set_generated()
	if caplen > 0 then
		t:add(f.data, buf(hlen, caplen))
	end
	local dir = dirs[buf(1, 1):uint()] or "?"
	-- A device is served by the kernel; a shm segment by a process:
	-- u2k is then client to server.
	local user, kernel = "user", "kernel"
	if buf(4, 1):uint() == 1 then
		user, kernel = "client", "server"
	end
	pinfo.cols.src = dir == "u2k" and user or kernel
	pinfo.cols.dst = dir == "u2k" and kernel or user
	pinfo.cols.info = string.format("conn=%s %s type=%s id=%s value=%s length=%s",
		tostring(buf(8, 8):uint64()), dir,
		tostring(buf(24, 8):uint64()), tostring(buf(32, 8):uint64()),
		tostring(buf(40, 8):uint64()), tostring(buf(16, 8):uint64()))
	return buf:len()
end

DissectorTable.get("wtap_encap"):add(wtap.USER0, kuc)
