# shellcheck shell=bash
# The controller's OpenStack services, each configured from a template in
# scripts/openstack/templates, its database made, started in the controller
# namespace on $OS_CTL_IP4 and registered in keystone: keystone and placement
# under uwsgi, glance-api, nova-api/conductor/scheduler, neutron-server.
# Sourced by scripts/openstack-lab.sh (uses its knobs and common.sh).

etc_of() { echo "$(os_dir)/etc/$1"; }

# The admin credentials (also printed by env and written to admin-openrc).
admin_env() {
	ADMIN_ENV=(OS_AUTH_URL="http://$OS_CTL_IP4:5000/v3" OS_IDENTITY_API_VERSION=3 OS_REGION_NAME=RegionOne
		OS_USERNAME=admin OS_PASSWORD="$(password admin)" OS_PROJECT_NAME=admin
		OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_INTERFACE=public)
}
# The openstack CLI as admin, from the prober host.
osc() {
	admin_env
	in_prober env "${ADMIN_ENV[@]}" openstack "$@"
}

# manage NAME COMMAND...: a one-shot tool (db sync, ...) in the controller
# namespace (the database listens there only), output to log/NAME.out.
manage() {
	local name=$1 log
	shift
	log=$(os_dir)/log/$name.out
	in_ctl "$@" >>"$log" 2>&1 || { tail -n 20 "$log" >&2; die "$name failed: $* (log: $log)"; }
}

# A WSGI application under uwsgi in the controller namespace.
spawn_uwsgi() { # name port wsgi-file env...
	local name=$1 port=$2 file=$3
	shift 3
	spawn "$name" ip netns exec "$(ctl_netns)" env "$@" uwsgi --plugin python3 \
		--http-socket "$OS_CTL_IP4:$port" --wsgi-file "$file" --master --processes 2 --threads 4 \
		--enable-threads --lazy-apps --buffer-size 65535 --add-header "Connection: close" \
		--die-on-term --need-app --hook-master-start "unix_signal:15 gracefully_kill_them_all"
	wait_until "$name" 120 port_open "$(ctl_netns)" "$OS_CTL_IP4" "$port"
}

start_keystone() {
	local c k
	c=$(etc_of keystone.conf)
	k=(manage keystone-manage keystone-manage --config-file "$c")
	mkdir -p "$(os_dir)/keystone"
	render keystone.conf.in "$c" "OSDIR=$(os_dir)" "CTL_IP=$OS_CTL_IP4" "PASS=$(password keystone)"
	"${k[@]}" db_sync
	"${k[@]}" fernet_setup --keystone-user root --keystone-group root
	"${k[@]}" credential_setup --keystone-user root --keystone-group root
	"${k[@]}" bootstrap --bootstrap-password "$(password admin)" \
		--bootstrap-admin-url "http://$OS_CTL_IP4:5000/v3/" --bootstrap-internal-url "http://$OS_CTL_IP4:5000/v3/" \
		--bootstrap-public-url "http://$OS_CTL_IP4:5000/v3/" --bootstrap-region-id RegionOne
	spawn_uwsgi keystone 5000 /usr/bin/keystone-wsgi-public "OS_KEYSTONE_CONFIG_FILES=$c"
	wait_until keystone 60 osc token issue
	say "keystone up: http://$OS_CTL_IP4:5000/v3 (openstack token issue works from $LAB_NETNS)"
}

# Users, the service project, services and endpoints: one openstack CLI
# session reading commands from stdin (one start-up instead of dozens).
register_services() {
	local s name type port
	{
		echo "project create --domain default service"
		for s in glance:image:9292 placement:placement:8778 nova:compute:8774/v2.1 neutron:network:9696; do
			IFS=: read -r name type port <<<"$s"
			echo "user create --domain default --password $(password "$name") $name"
			echo "role add --project service --user $name admin"
			echo "service create --name $name $type"
			echo "endpoint create --region RegionOne $type public http://$OS_CTL_IP4:$port"
			echo "endpoint create --region RegionOne $type internal http://$OS_CTL_IP4:$port"
		done
	} | osc >"$(os_dir)/log/register.out" 2>&1 || true
	local n
	n=$(osc endpoint list -f value -c ID | wc -l)
	((n == 11)) || die "keystone has $n endpoints, not 11 (see $(os_dir)/log/register.out)"
}

start_glance() {
	local c
	c=$(etc_of glance-api.conf)
	mkdir -p "$(os_dir)/glance/"{images,staging,lock}
	render glance-api.conf.in "$c" "OSDIR=$(os_dir)" "CTL_IP=$OS_CTL_IP4" "PASS=$(password glance)"
	append_auth "$c" glance "$(password glance)" keystone_authtoken
	manage glance-manage glance-manage --config-file "$c" db_sync
	spawn glance-api ip netns exec "$(ctl_netns)" glance-api --config-file "$c" --log-file "$(os_dir)/log/glance-api.log"
	wait_until glance-api 120 port_open "$(ctl_netns)" "$OS_CTL_IP4" 9292
	say "glance-api up: http://$OS_CTL_IP4:9292"
}

start_placement() {
	local d
	d=$(os_dir)/etc/placement
	mkdir -p "$d"
	render placement.conf.in "$d/placement.conf" "OSDIR=$(os_dir)" "CTL_IP=$OS_CTL_IP4" "PASS=$(password placement)"
	append_auth "$d/placement.conf" placement "$(password placement)" keystone_authtoken
	manage placement-manage placement-manage --config-file "$d/placement.conf" db sync
	spawn_uwsgi placement 8778 /usr/bin/placement-api "OS_PLACEMENT_CONFIG_DIR=$d"
	say "placement up: http://$OS_CTL_IP4:8778"
}

# nova.conf of a host (controller, node01, node02).
render_nova_conf() { # host my_ip libvirt_uri -> path
	local c state
	c=$(etc_of "nova-$1.conf")
	state=$(os_dir)/$1/nova
	mkdir -p "$state/lock"
	render nova.conf.in "$c" "HOST=$1" "MY_IP=$2" "STATE=$state" "LIBVIRT_URI=$3" \
		"RABBIT_URL=$(rabbit_url)" "CTL_IP=$OS_CTL_IP4" "PASS=$(password nova)"
	append_auth "$c" nova "$(password nova)" keystone_authtoken placement neutron service_user
	echo "$c"
}
# The controller's: with the databases.
render_nova_controller_conf() {
	local c
	c=$(render_nova_conf controller "$OS_CTL_IP4" "qemu:///system")
	append_rendered "$c" nova-db.conf.in "CTL_IP=$OS_CTL_IP4" "PASS=$(password nova)"
	echo "$c"
}

start_nova_controller() {
	local c m svc
	c=$(render_nova_controller_conf)
	m=(manage nova-manage nova-manage --config-file "$c")
	"${m[@]}" api_db sync
	"${m[@]}" cell_v2 map_cell0
	"${m[@]}" cell_v2 create_cell --name cell1
	"${m[@]}" db sync
	for svc in nova-api nova-conductor nova-scheduler; do
		spawn "$svc" ip netns exec "$(ctl_netns)" "$svc" --config-file "$c" --log-file "$(os_dir)/log/$svc.log"
	done
	wait_until nova-api 180 port_open "$(ctl_netns)" "$OS_CTL_IP4" 8774
	say "nova-api up: http://$OS_CTL_IP4:8774 (conductor, scheduler started)"
}

# neutron.conf of a host (controller, node01, node02).
render_neutron_conf() { # host -> path
	local c state
	c=$(etc_of "neutron-$1.conf")
	state=$(os_dir)/$1/neutron
	mkdir -p "$state/lock"
	render neutron.conf.in "$c" "HOST=$1" "STATE=$state" "PHYS=$OS_PHYS" \
		"RABBIT_URL=$(rabbit_url)" "CTL_IP=$OS_CTL_IP4" "PASS=$(password neutron)"
	append_auth "$c" neutron "$(password neutron)" keystone_authtoken nova
	echo "$c"
}

start_neutron_server() {
	local c
	c=$(render_neutron_conf controller)
	manage neutron-db-manage neutron-db-manage --config-file "$c" upgrade heads
	spawn neutron-server ip netns exec "$(ctl_netns)" neutron-server --config-file "$c" \
		--log-file "$(os_dir)/log/neutron-server.log"
	wait_until neutron-server 180 port_open "$(ctl_netns)" "$OS_CTL_IP4" 9696
	say "neutron-server up: http://$OS_CTL_IP4:9696"
}
