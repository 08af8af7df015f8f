#pragma once

#include <stdexcept>
#include <system_error>

#include "cluster/cluster_state.hpp"

namespace mars::marsd::bus_errors {

template <typename Body> int translate_errors(sd_bus_error* error, Body&& body)
{
    try {
        return body();
    } catch (const NotFound& e) {
        return sd_bus_error_set(error, kNotFound, e.what());
    } catch (const std::invalid_argument& e) {
        return sd_bus_error_set(error, kInvalidArgument, e.what());
    } catch (const cluster::ClusterError& e) {
        return sd_bus_error_set(error, kAlreadyInCluster, e.what());
    } catch (const std::exception& e) {
        return sd_bus_error_set(error, kFailed, e.what());
    }
}

} // namespace mars::marsd::bus_errors
