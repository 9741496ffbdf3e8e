# Evaluates a Vagrantfile without Vagrant and prints what it would build, one fact a line,
# fields separated by tabs:
#   ruby check-vagrantfile.rb path/to/Vagrantfile
#   box       <box>
#   provider  <name>
#   machine   <name> <hostname>
#   network   <machine> <kind> <ip> <netmask>
#   provision <machine> <name> <type> <path>
# Vagrant itself (and its boxes) cannot be installed here; this records the calls the file
# makes on Vagrant's configuration objects, so a test can check machines, addresses and
# provisioning scripts.
# Records attribute writes (`vm.box = x`) and nested objects (`config.vm`).
class Recorder
  attr_reader :values

  def initialize
    @values = {}
  end

  def method_missing(name, *args, &block)
    key = name.to_s
    if key.end_with?("=")
      @values[key.chomp("=")] = args.first
    elsif args.empty? && block.nil?
      @values[key] ||= Recorder.new
    else
      super
    end
  end

  def respond_to_missing?(*)
    true
  end
end

# The `vm` object of the configuration and of each machine.
class VmRecorder < Recorder
  attr_reader :machines, :networks, :provisioners, :providers, :synced

  def initialize
    super
    @machines = []
    @networks = []
    @provisioners = []
    @providers = []
    @synced = []
  end

  def define(name, **_opts)
    machine = ConfigRecorder.new
    yield machine if block_given?
    @machines << [name.to_s, machine]
  end

  def network(kind, **opts)
    @networks << { "kind" => kind, "ip" => opts[:ip], "netmask" => opts[:netmask] }
  end

  def provision(name, **opts)
    @provisioners << { "name" => name, "type" => (opts[:type] || name).to_s, "path" => opts[:path],
                       "env" => opts[:env] }
  end

  def provider(name)
    settings = Recorder.new
    yield settings if block_given?
    @providers << name.to_s
  end

  def synced_folder(src, dst, **opts)
    @synced << { "src" => src, "dst" => dst, "disabled" => opts[:disabled] == true }
  end
end

class ConfigRecorder
  attr_reader :vm

  def initialize
    @vm = VmRecorder.new
  end
end

module Vagrant
  @configs = []

  def self.configure(version)
    raise ArgumentError, "Vagrant.configure: expected version \"2\", got #{version.inspect}" unless version == "2"

    config = ConfigRecorder.new
    yield config
    @configs << config
  end

  def self.configs
    @configs
  end
end

path = ARGV.fetch(0) { abort "usage: ruby check-vagrantfile.rb VAGRANTFILE" }
load File.expand_path(path)
config = Vagrant.configs.last or abort "#{path}: no Vagrant.configure block"
top = config.vm
puts ["box", top.values["box"]].join("\t")
top.providers.each { |name| puts ["provider", name].join("\t") }
top.machines.each do |name, machine|
  puts ["machine", name, machine.vm.values["hostname"]].join("\t")
  machine.vm.networks.each { |n| puts ["network", name, n["kind"], n["ip"], n["netmask"]].join("\t") }
  (top.provisioners + machine.vm.provisioners).each do |p|
    puts ["provision", name, p["name"], p["type"], p["path"]].join("\t")
  end
end
