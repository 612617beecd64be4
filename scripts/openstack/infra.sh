# shellcheck shell=bash
# The controller host and its infrastructure: a network namespace on the lab
# switch ($LAB_NETNS-ctl, $OS_CTL_IP4), MariaDB and RabbitMQ listening on that
# address only, with their data in the lab dir.
# Sourced by scripts/openstack-lab.sh (uses its knobs and common.sh).

make_ctl_netns() {
	local ns
	ns=$(ctl_netns)
	say "creating the controller host $ns ($OS_CTL_IP4/24, $OS_CTL_IP6/64) on the lab switch"
	ip netns add "$ns"
	echo "$ns" >"$(os_dir)/netns"
	ip -n "$ns" link set lo up
	ip -n "$LAB_NETNS" link add sw-ctl type veth peer name eth0 netns "$ns"
	ip -n "$LAB_NETNS" link set sw-ctl master "$OS_SWITCH" up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 >/dev/null
	ip -n "$ns" addr add "$OS_CTL_IP4/24" dev eth0
	ip -n "$ns" -6 addr add "$OS_CTL_IP6/64" dev eth0 nodad
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "$OS_GW4"
}

mysql_sock() { echo "$(os_dir)/mysql/mysqld.sock"; }
sql() { mariadb --no-defaults --socket="$(mysql_sock)" -u root "$@"; }

start_mariadb() {
	local d
	d=$(os_dir)/mysql
	mkdir -p "$d"
	mariadb-install-db --no-defaults --datadir="$d/data" --user=root --auth-root-authentication-method=socket \
		--skip-test-db >"$(os_dir)/log/mariadb-install.out" 2>&1 ||
		die "mariadb-install-db failed (log: $(os_dir)/log/mariadb-install.out)"
	spawn mariadb ip netns exec "$(ctl_netns)" mariadbd --no-defaults --datadir="$d/data" --user=root \
		--socket="$(mysql_sock)" --pid-file="$d/mysqld.pid" --bind-address="$OS_CTL_IP4" --port=3306 \
		--skip-name-resolve --max-connections=1000 --innodb-buffer-pool-size=64M \
		--character-set-server=utf8mb4 --log-error="$(os_dir)/log/mariadb.log"
	wait_until mariadb 60 sql -e 'select 1'
	local db user
	for db in keystone glance placement nova_api nova nova_cell0 neutron; do
		user=${db%%_*}
		sql -e "CREATE DATABASE $db; GRANT ALL PRIVILEGES ON $db.* TO '$user'@'%' IDENTIFIED BY '$(password "$user")';"
	done
	say "mariadb up on $OS_CTL_IP4:3306 (data: $d/data)"
}

# RabbitMQ as root, node rabbit@localhost, its cookie, data and logs in the
# lab dir; epmd (started by Erlang) listens on the controller's loopback only.
rabbit_env() {
	local d
	d=$(os_dir)/rabbitmq
	RABBIT_ENV=(HOME="$d" RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS="$OS_CTL_IP4"
		RABBITMQ_NODE_PORT=5672 RABBITMQ_DIST_PORT=25672 RABBITMQ_MNESIA_BASE="$d/mnesia"
		RABBITMQ_LOG_BASE="$(os_dir)/log/rabbitmq" RABBITMQ_PID_FILE="$d/rabbit.pid"
		RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins"
		RABBITMQ_CONF_ENV_FILE="$d/rabbitmq-env.conf" ERL_EPMD_ADDRESS=127.0.0.1)
}
rabbitmqctl_lab() {
	rabbit_env
	in_ctl env "${RABBIT_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmqctl "$@"
}

start_rabbitmq() {
	local d
	d=$(os_dir)/rabbitmq
	mkdir -p "$d" "$(os_dir)/log/rabbitmq"
	: >"$d/rabbitmq-env.conf"
	echo '[].' >"$d/enabled_plugins"
	echo 'loopback_users = none' >"$d/rabbitmq.conf"
	rabbit_env
	spawn rabbitmq ip netns exec "$(ctl_netns)" env "${RABBIT_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server
	wait_until rabbitmq 120 rabbitmqctl_lab -q await_startup
	rabbitmqctl_lab -q add_user openstack "$(password rabbit)" >/dev/null
	rabbitmqctl_lab -q set_permissions openstack '.*' '.*' '.*' >/dev/null
	say "rabbitmq up on $OS_CTL_IP4:5672"
}
