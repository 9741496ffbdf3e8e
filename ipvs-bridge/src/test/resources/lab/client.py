# Opens N connections (tcp) or sends N datagrams (udp), each from a new source port,
# and prints the name each answer carries, "refused" when the connection was refused
# (TCP reset or ICMP unreachable), or "-" when there was no answer.
# usage: client.py tcp|udp VIP PORT N SOURCE_ADDRESS ("any": let the kernel choose the source)
import socket, sys
proto, vip, port, n, src = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
for i in range(n):
    try:
        if proto == "tcp":
            s = socket.create_connection((vip, port), timeout=5, source_address=None if src == "any" else (src, 0))
            s.shutdown(socket.SHUT_WR)
            data = s.makefile().readline().strip()
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(5)
            if src != "any":
                s.bind((src, 0))
            s.sendto(b"q", (vip, port))
            data = s.recv(100).decode().strip()
        s.close()
        print(data or "-", flush=True)
    except ConnectionRefusedError:
        print("refused", flush=True)
    except OSError:
        print("-", flush=True)
